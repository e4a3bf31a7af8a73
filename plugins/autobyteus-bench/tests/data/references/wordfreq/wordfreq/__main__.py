import argparse
import sys

from wordfreq import top_words

parser = argparse.ArgumentParser(prog="wordfreq")
parser.add_argument("file")
parser.add_argument("-n", type=int, default=10)
args = parser.parse_args()
try:
    text = open(args.file, encoding="utf-8").read()
except OSError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(1)
for word, count in top_words(text, args.n):
    print(word, count)
