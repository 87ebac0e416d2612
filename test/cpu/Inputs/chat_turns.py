"""Builds the messages of a two-turn chat: the user lines, with the first reply decoded.

  chat_turns.py REPLY_TEXT_JSON OUT.json   (REPLY_TEXT_JSON: `inferno tokenize --decode` output)
"""
import json
import sys

reply = json.load(open(sys.argv[1]))
messages = [{"role": "user", "content": "Hello"},
            {"role": "assistant", "content": reply},
            {"role": "user", "content": "What is two plus two?"}]
json.dump(messages, open(sys.argv[2], "w"))
