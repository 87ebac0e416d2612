//===- ByteLevel.h - GPT-2's byte-to-character alphabet ---------*- C++ -*-===//
//
// Byte-level BPE (GPT-2, Llama 3) spells every byte as a printable character so that the
// vocabulary is plain text: the printable Latin-1 bytes stand for themselves and the other 68
// bytes (controls, space, DEL, NBSP, soft hyphen, ...) map to U+0100 and up, in byte order.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_BYTELEVEL_H
#define INFERNO_RUNTIME_TOKENIZER_BYTELEVEL_H

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace inferno::rt::tok {

/// The UTF-8 spelling of each byte in the byte-level alphabet.
const std::array<std::string, 256> &byteLevelSpellings();

/// The byte a character of the alphabet stands for, or -1 when `cp` is not in the alphabet.
int byteLevelByte(uint32_t cp);

/// Converts a byte-level spelled token back to bytes. Returns false (and leaves `out` as it
/// was) when some character is outside the alphabet.
bool byteLevelToBytes(std::string_view token, std::string &out);

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_BYTELEVEL_H
