#!/usr/bin/env python3
"""Writes a seeded corpus of test strings (one JSON string per line) for tokenizer conformance.

The strings aim at the places where tokenizers disagree: regex pre-tokenization classes
(letters, digits, whitespace, punctuation, contractions in both cases), byte-level and
byte-fallback handling of rare characters, special-token strings typed in the text (whole and
partial), normalization of spaces, and long inputs. Standard library only; the same seed gives
the same file.

  make_corpus.py --family llama3 --count 2500 --seed 1 -o corpus.jsonl
  make_corpus.py --codepoints -o codepoints.jsonl     # planes 0-3 and 14 whole, the rest sampled
  make_corpus.py --random-ids 32000 --specials 0,1,2 --count 500 -o ids.jsonl
  make_corpus.py --plain-text english --bytes 1000000 -o text.txt   # benchmark input
  make_corpus.py --vocab-from tokenizer.json -o vocab.jsonl  # every token's text, alone and paired
"""
import argparse
import json
import random
import sys

WORDS = ("the of and to in is was he for it with as his on be at by had are but from or have an "
         "they which one you were all her she there would their we him been has when who will no "
         "more if out so said what up its about than into them can only other time new some could "
         "these two may first then do any like my now over such our man me even most made after "
         "also did many off before must well back through years much where your way down should "
         "because long each just state people those too how little good world very still own see "
         "men work here between both life being under never day same another know while last "
         "tokenizer compiler Llama Inferno ahead-of-time kernel tensor GPU bfloat16 transformer "
         "attention softmax RoPE embedding vocabulary byte-pair encoding don't can't won't it's "
         "I'm you're we've they'll she'd John's O'Brien rock'n'roll naïve café résumé façade "
         "coöperate Zürich São Paulo").split()

CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'VE", "'M",
                "'LL", "'D", "'Re", "'rE", "'Ll", "'lL", "'Ve", "'ſ", "’s", "’ll", "''s", "'", "''"]

SNIPPETS = [
    "def f(x):\n    return x ** 2 + 1\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i] * b[i];\n}\n",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }\n",
    "const x = {a: 1, 'b': [2, 3], \"c\": null};  // comment\n",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;",
    "<div class=\"row\"><span>&amp; &lt;tag&gt;</span></div>",
    "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }",
    "    if x:\n        pass\n    else:\n\t\treturn None\r\n",
    "$ ls -la | grep '^d' && echo \"done\" > /dev/null 2>&1",
    "{\"key\": \"value\", \"n\": -1.5e-10, \"list\": [true, false]}",
    "x+=1;y-=2;z*=3;w/=4;a%=5;b<<=6;c>>=7;d&=8;e|=9;f^=10",
    "https://example.com/path?query=1&other=two#frag",
    "C:\\Users\\name\\Documents\\file.txt",
    "matrix[i][j] = matrix[i-1][j-1] + 1 if a[i] == b[j] else max(matrix[i-1][j], matrix[i][j-1])",
    "@decorator\nclass Foo(Bar, metaclass=Meta):\n    \"\"\"Docstring.\"\"\"\n",
    "a==b!=c<=d>=e&&f||g->h::i...j???k!!!l",
    "```python\nprint('hi')\n```",
    "// TODO(someone): fix this\n/* block\n   comment */",
]

SCRIPTS = {
    "cjk": "我们今天学习分词器的工作原理。機械学習とトークナイザー。한국어 텍스트도 포함합니다。中文，標點符號！",
    "arabic": "مرحبا بالعالم، هذا نص عربي مع أرقام ١٢٣٤٥ وعلامات ترقيم؟",
    "hebrew": "שלום עולם, זה טקסט בעברית.",
    "devanagari": "नमस्ते दुनिया, यह हिन्दी पाठ है। क्षत्रिय ज्ञान १२३",
    "thai": "สวัสดีชาวโลก นี่คือข้อความภาษาไทย",
    "cyrillic": "Привет, мир! Это русский текст. ЁЖИК в тумане.",
    "greek": "Γειά σου Κόσμε! ΑΒΓΔ αβγδ ς σ Σ",
    "latin-ext": "Ærøskøbing Łódź Ğüşçö Œuvre ßtraße İstanbul ǅungla",
    "math": "∀x∈ℝ: x²≥0, ∑ᵢ aᵢ = ∫₀¹ f(t)dt ≈ π ≠ ∞ ⊂ ⊆ ∪ ∩ ⁰¹²³⁴⁵⁶⁷⁸⁹ ½ ⅓ Ⅻ",
    "fullwidth": "ＡＢＣ１２３！？｜＜＞ｈｅｌｌｏ",
    "ethiopic": "ሰላም ዓለም",
    "georgian": "გამარჯობა მსოფლიო",
}

EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵", "1️⃣", "❤️", "🧑🏿‍🚀", "👩‍💻", "🤖", "✨",
         "🫠", "🐈‍⬛", "👁️‍🗨️", "☺", "©®™", "🀄", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝟘𝟙𝟚"]

COMBINING = ["e\u0301", "a\u0308\u0304", "n\u0303", "Z\u0335\u0321\u0322\u0327\u0328\u0334",
             "\u0301", "\u0300\u0300\u0300", "o\u0338", "\u1100\u1161\u11a8", "\u0915\u094d\u0937",
             "i\u0307", "\u05d1\u05bc", "\u0627\u0651\u064e"]

SPACES = [" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r", " \n", "\n ", " \t ",
          "\u00a0", "\u3000", "\u2009", "\u200b", "\u180e", "\u2028", "\u2029", "\u0085", "\u000b",
          "\u000c", "\u202f", "\u205f", "\u1680", "\ufeff", "    ", "\n\n\n", " \r\n\t "]

SPECIALS = {
    "llama3": ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>",
               "<|end_header_id|>", "<|eom_id|>", "<|python_tag|>", "<|finetune_right_pad_id|>",
               "<|reserved_special_token_0|>", "<|reserved_special_token_247|>"],
    "deepseek": ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>",
                 "<think>", "</think>", "<｜▁pad▁｜>", "<|eot_id|>", "<|begin_of_text|>"],
    "llama2": ["<s>", "</s>", "<unk>", "<|system|>", "<|user|>", "<|assistant|>"],
}
PARTIALS = ["<|", "|>", "<|begin_of", "begin_of_text|>", "<|eot_id", "<|eot_id|", "<s", "s>", "</",
            "<<s>>", "<s><s>", "</s></s>", "<unk", "<|reserved_special_token_", "<｜", "｜>", "<think",
            "<|begin_of_text|", "<||>", "<|BEGIN_OF_TEXT|>", "< s>", "<s >"]


def rand_word(rng):
    w = rng.choice(WORDS)
    r = rng.random()
    if r < 0.1:
        w = w.upper()
    elif r < 0.25:
        w = w.capitalize()
    return w


def sentence(rng, n=None):
    n = n or rng.randint(3, 18)
    words = [rand_word(rng) for _ in range(n)]
    s = " ".join(words)
    return s[0].upper() + s[1:] + rng.choice([".", "!", "?", "...", ";", ":", "", ",", " --"])


def digits(rng):
    kind = rng.randrange(8)
    if kind == 0:
        return str(rng.randrange(10 ** rng.randint(1, 40)))
    if kind == 1:
        return f"{rng.uniform(-1e6, 1e6):.{rng.randint(0, 8)}f}"
    if kind == 2:
        return f"{rng.randrange(10**9):,}"
    if kind == 3:
        return "".join(rng.choice("0123456789 .,-+/:") for _ in range(rng.randint(1, 30)))
    if kind == 4:
        return f"{rng.randint(1900, 2100)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == 5:
        return "".join(rng.choice(["1", "22", "333", "4444", "٣", "४", "①", "Ⅻ", "½", "𝟙"]) for _ in range(rng.randint(1, 12)))
    if kind == 6:
        return f"0x{rng.randrange(16**8):08X} 0b{rng.randrange(256):08b} 1e{rng.randint(-99, 99)}"
    return f"v{rng.randint(0, 9)}.{rng.randint(0, 99)}.{rng.randint(0, 999)}-rc{rng.randint(1, 9)}"


def whitespace(rng):
    parts = []
    for _ in range(rng.randint(1, 6)):
        parts.append(rng.choice(SPACES) * rng.randint(1, 4))
        if rng.random() < 0.6:
            parts.append(rand_word(rng))
    s = "".join(parts)
    if rng.random() < 0.3:
        s = rng.choice(SPACES) + s
    if rng.random() < 0.3:
        s = s + rng.choice(SPACES)
    return s


def contraction(rng):
    w = rand_word(rng)
    c = rng.choice(CONTRACTIONS)
    tail = rng.choice(["", " ", "s", "x", "!", " " + rand_word(rng), "\n", "ll", "'"])
    pre = rng.choice(["", " ", "'", "\n", "I", "1"])
    return pre + w + c + tail


def script_text(rng):
    name = rng.choice(sorted(SCRIPTS))
    text = SCRIPTS[name]
    a = rng.randrange(len(text))
    b = rng.randrange(a, len(text) + 1)
    piece = text[a:b] or text
    if rng.random() < 0.5:
        piece = sentence(rng, 4) + " " + piece + " " + sentence(rng, 3)
    return piece


def emoji(rng):
    return "".join(rng.choice(EMOJI + [" ", "", rand_word(rng)]) for _ in range(rng.randint(1, 8)))


def combining(rng):
    return "".join(rng.choice(COMBINING + [rand_word(rng), " "]) for _ in range(rng.randint(1, 6)))


EXTRA_TOKENS = []  # added-token strings of the tokenizer under test (--tokens-from)


def special(rng, family):
    pool = SPECIALS.get(family, []) + SPECIALS["llama2"] + PARTIALS + EXTRA_TOKENS * 3
    parts = []
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        if r < 0.45:
            parts.append(rng.choice(pool))
        elif r < 0.7:
            parts.append(rng.choice(SPACES[:8]))
        else:
            parts.append(rand_word(rng))
    return "".join(parts)


def chat(rng, family):
    if family == "llama3":
        return ("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + sentence(rng) +
                "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" + sentence(rng) +
                "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    if family == "deepseek":
        return "<｜begin▁of▁sentence｜>" + sentence(rng) + "<｜User｜>" + sentence(rng) + "<｜Assistant｜><think>\n" + sentence(rng) + "\n</think>\n\n"
    return "<|system|>\n" + sentence(rng) + "</s>\n<|user|>\n" + sentence(rng) + "</s>\n<|assistant|>\n"


def random_char(rng):
    r = rng.random()
    if r < 0.3:
        cp = rng.randrange(0x20, 0x7F)
    elif r < 0.5:
        cp = rng.randrange(0x80, 0x800)
    elif r < 0.8:
        cp = rng.randrange(0x800, 0x10000)
    else:
        cp = rng.randrange(0x10000, 0x110000)
    if 0xD800 <= cp < 0xE000:  # surrogates are not characters
        cp = 0xFFFD
    return chr(cp)


def random_mix(rng):
    return "".join(rng.choice([random_char(rng), random_char(rng), rng.choice(SPACES), rand_word(rng),
                               rng.choice(CONTRACTIONS), digits(rng)]) for _ in range(rng.randint(1, 25)))


def long_text(rng, family):
    parts = []
    target = rng.choice([2000, 5000, 12000])
    size = 0
    gens = [lambda: sentence(rng), lambda: rng.choice(SNIPPETS), lambda: script_text(rng),
            lambda: whitespace(rng), lambda: digits(rng), lambda: special(rng, family),
            lambda: emoji(rng), lambda: random_mix(rng), lambda: "\n\n"]
    while size < target:
        p = rng.choice(gens)()
        parts.append(p)
        size += len(p)
    return " ".join(parts) if rng.random() < 0.5 else "".join(parts)


def edge_cases(family):
    fixed = ["", " ", "  ", "\n", "\t", "\r\n", " \n ", "a", "A", "1", "12", "123", "1234", "'", "'s",
             "'S", "▁", "▁▁", " ▁", "▁ ", "Ġ", "<0x41>", "<0x0A>", "\u00a0", "\ufffd", "\u0000",
             "\u0001\u0002\u007f", "Hello world", " Hello world", "Hello world ", "Hello  world",
             "hello\nworld", "1 2 3", "1,234,567.89", "I'm", "I'M", "don't", "DON'T", "you'll", "YOU'LL",
             "' s", "'s'", "x's", "X'S", "'ll've", "\u0130", "ﬁ", "ß", "ǅ", "ſ", "'ſ", "\u180e", "a\u180eb",
             "!\u180e!", "\u3000\u3000", "\U0010ffff", "\U0001f600", "\ue000", "\uffff", " " * 50,
             "\n" * 20, "\t" * 10 + "x", "a" * 300, "ab" * 200, "1" * 100, "!" * 100, "😀" * 30,
             "a" * 3000, " " * 3000, "\n" * 1000 + "x"]
    return fixed + SPECIALS.get(family, []) + SPECIALS["llama2"] + PARTIALS


def around_tokens(rng):
    """An added token with the kinds of neighbours its flags look at."""
    token = rng.choice(EXTRA_TOKENS)
    left = rng.choice(["", " ", "  ", "\t", "\n", "x", "word ", "word", "1", "!", "\u3000", "日"])
    right = rng.choice(["", " ", "  ", "\t ", "\n", "y", " word", "word", "2", "?", "\u00a0", "本"])
    return left + token + right + (" " + sentence(rng, 3) if rng.random() < 0.3 else "")


def corpus(family, count, seed):
    rng = random.Random(seed)
    out = edge_cases(family)
    gens = [(lambda: sentence(rng), 12), (lambda: rng.choice(SNIPPETS) + (sentence(rng) if rng.random() < 0.3 else ""), 8),
            (lambda: digits(rng), 8), (lambda: whitespace(rng), 10), (lambda: contraction(rng), 8),
            (lambda: script_text(rng), 10), (lambda: emoji(rng), 6), (lambda: combining(rng), 5),
            (lambda: special(rng, family), 10), (lambda: chat(rng, family), 2),
            (lambda: random_mix(rng), 12), (lambda: long_text(rng, family), 1)]
    if EXTRA_TOKENS:
        gens.append((lambda: around_tokens(rng), 25))
    total = sum(w for _, w in gens)
    while len(out) < count:
        r = rng.randrange(total)
        for g, w in gens:
            if r < w:
                out.append(g())
                break
            r -= w
    return out


def codepoint_corpus():
    """Every scalar value, 64 to a string, each between a letter and a letter, after a space
    and before a digit, and between punctuation: the regex classes around it decide the split.
    Planes 4 to 13 (never assigned) and 15 to 16 (private use) are sampled, one in 257."""
    def wanted(cp):
        if 0xD800 <= cp < 0xE000:
            return False  # surrogates are not characters
        if 0x40000 <= cp < 0xE0000 or cp >= 0xF0000:
            return cp % 257 == 0 or (cp & 0xFFFF) >= 0xFFFE
        return True
    out = []
    cps = [cp for cp in range(0x110000) if wanted(cp)]
    for i in range(0, len(cps), 64):
        chunk = [chr(c) for c in cps[i:i + 64]]
        out.append("".join(f"a{c}b {c}1 !{c}!" for c in chunk))
    return out


def long_inputs():
    """Single runs of 100-300 thousand characters that stress regex backtracking and the
    merge loop of one huge word (no pre-tokenizer)."""
    return [" " * 300000, "a" * 300000, "7" * 300000, "!" * 300000, "中" * 100000,
            "\n" * 300000, "\r\n" * 150000, " \t\n" * 100000, "'s" * 150000,
            "\U0001F468\u200d\U0001F469\u200d\U0001F467" * 20000, "ab " * 100000,
            "\u00e9" * 100000, "<s>" * 50000, "<|eot_id|>" * 20000, "\u2581" * 100000]


def byte_level_decoder():
    """GPT-2's byte-level alphabet, character -> byte."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def vocab_corpus(path, seed):
    """The text of every vocabulary token (byte-level spelling undone, '▁' as a space), then
    random pairs of them: words a tokenizer must emit whole or merge exactly as HF does (Llama 3's
    ignore_merges makes ~600 of its tokens reachable only whole)."""
    with open(path, encoding="utf-8") as f:
        vocab = json.load(f)["model"]["vocab"]
    alphabet = byte_level_decoder()
    byte_level = all(c in alphabet for c in "".join(list(vocab)[:2000]))
    texts = []
    for token in vocab:
        if byte_level:
            try:
                texts.append(bytes(alphabet[c] for c in token).decode("utf-8"))
            except (KeyError, UnicodeDecodeError):
                continue  # a partial UTF-8 sequence, not text
        elif not (token.startswith("<0x") and token.endswith(">")):
            texts.append(token.replace("\u2581", " "))
    rng = random.Random(seed)
    pairs = [rng.choice(texts) + rng.choice(texts) for _ in range(len(texts) // 10)]
    return texts + pairs


def plain_text(kind, size, seed):
    """About `size` bytes of text, one document: 'english' is prose and code, 'mixed' is the
    conformance corpus's whole mix (scripts, emoji, digits, whitespace runs, special tokens)."""
    rng = random.Random(seed)
    pool = corpus("llama3", 4000, seed)[120:] if kind == "mixed" else []
    parts, total = [], 0
    while total < size:
        if kind == "english":
            p = sentence(rng) if rng.random() < 0.8 else rng.choice(SNIPPETS)
        else:
            p = rng.choice(pool)
        parts.append(p)
        total += len(p.encode("utf-8")) + 1
    return "\n".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", choices=["llama3", "llama2", "deepseek"], default="llama3")
    ap.add_argument("--count", type=int, default=2500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--codepoints", action="store_true", help="exhaustive code point corpus")
    ap.add_argument("--random-ids", type=int, metavar="VOCAB",
                    help="write random id sequences below VOCAB instead of strings")
    ap.add_argument("--specials", default="", help="ids to mix into --random-ids (comma separated)")
    ap.add_argument("--plain-text", choices=["english", "mixed"],
                    help="write one plain-text document instead of JSON lines")
    ap.add_argument("--bytes", type=int, default=1000000, help="size of --plain-text")
    ap.add_argument("--long-inputs", action="store_true", help="a few very long single runs")
    ap.add_argument("--vocab-from", metavar="TOKENIZER_JSON",
                    help="write the text of every vocabulary token of this tokenizer.json")
    ap.add_argument("--tokens-from", metavar="TOKENIZER_JSON",
                    help="also mix in the added tokens of this tokenizer.json (reserved ones skipped)")
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args()
    if args.tokens_from:
        with open(args.tokens_from, encoding="utf-8") as f:
            tokens = json.load(f).get("added_tokens") or []
        EXTRA_TOKENS.extend(t["content"] for t in tokens if "reserved" not in t["content"])

    if args.plain_text:
        with (sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")) as out:
            out.write(plain_text(args.plain_text, args.bytes, args.seed))
        return

    if args.random_ids:
        rng = random.Random(args.seed)
        specials = [int(x) for x in args.specials.split(",") if x]
        lines = []
        for _ in range(args.count):
            n = rng.choice([0, 1, 2, 3, 5, 8, 20, 60])
            ids = []
            for _ in range(n):
                r = rng.random()
                if r < 0.1 and specials:
                    ids.append(rng.choice(specials))
                elif r < 0.12:
                    ids.append(args.random_ids + rng.randrange(5))  # no such id: skipped
                elif r < 0.35:
                    ids.append(rng.randrange(min(args.random_ids, 300)))  # bytes / byte fallback
                else:
                    ids.append(rng.randrange(args.random_ids))
            lines.append(json.dumps(ids))
    else:
        if args.long_inputs:
            texts = long_inputs()
        elif args.vocab_from:
            texts = vocab_corpus(args.vocab_from, args.seed)
        elif args.codepoints:
            texts = codepoint_corpus()
        else:
            texts = corpus(args.family, args.count, args.seed)
        # Raw UTF-8 keeps the (large) code point corpus small; json escapes every control.
        lines = [json.dumps(t, ensure_ascii=not args.codepoints) for t in texts]

    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")
    out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
