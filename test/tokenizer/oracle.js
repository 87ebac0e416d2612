#!/usr/bin/env node
// Reference answers from Hugging Face's own tokenizers (the Rust library, through the
// @anush008/tokenizers Node binding) for the conformance tests.
//
//   node oracle.js encode TOKENIZER_JSON CORPUS.jsonl   > ids.jsonl
//       each input line a JSON string; each output line the JSON array of
//       encode(text, add_special_tokens=true) ids
//   node oracle.js decode TOKENIZER_JSON IDS.jsonl      > text.jsonl
//       each input line a JSON array of ids; each output line decode(ids, false) as JSON
//   node oracle.js bench  TOKENIZER_JSON TEXT_FILE [REPEATS]
//       prints the MB/s of encoding the whole file as one string
"use strict";
const fs = require("fs");
const path = require("path");
const { Tokenizer } = require("@anush008/tokenizers");

function readLines(file) {
  const text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
  const lines = text.split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

async function main() {
  const [mode, tokenizerPath, input, repeats] = process.argv.slice(2);
  if (!mode || !tokenizerPath || !input) {
    console.error("usage: oracle.js encode|decode|bench TOKENIZER_JSON INPUT");
    process.exit(2);
  }
  let file = tokenizerPath;
  if (fs.statSync(file).isDirectory()) file = path.join(file, "tokenizer.json");
  const tokenizer = Tokenizer.fromFile(file);
  const out = [];
  if (mode === "encode") {
    for (const line of readLines(input)) {
      const encoding = await tokenizer.encode(JSON.parse(line), null, { addSpecialTokens: true });
      out.push(JSON.stringify(encoding.getIds()));
    }
  } else if (mode === "decode") {
    for (const line of readLines(input)) {
      out.push(JSON.stringify(await tokenizer.decode(JSON.parse(line), false)));
    }
  } else if (mode === "bench") {
    const text = fs.readFileSync(input, "utf8");
    const n = Number(repeats || 5);
    await tokenizer.encode(text, null, { addSpecialTokens: true }); // warm-up
    const start = process.hrtime.bigint();
    let tokens = 0;
    for (let i = 0; i < n; i++)
      tokens = (await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds().length;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9 / n;
    const mb = Buffer.byteLength(text, "utf8") / 1e6;
    console.log(JSON.stringify({ tokens, seconds, mbPerSecond: mb / seconds }));
    return;
  } else {
    console.error(`unknown mode '${mode}'`);
    process.exit(2);
  }
  process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
}

main().catch((e) => {
  console.error(`oracle.js: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
