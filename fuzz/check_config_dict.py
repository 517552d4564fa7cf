#!/usr/bin/python3
"""Checks that fuzz/dict/config.dict holds every config section and key name `widthlab config --keys` lists, so the
config fuzzer's dictionary does not fall behind the schema (architecture.md §9, "A config key"). Prints each missing
token and exits 1; ctest runs it (FuzzConfigDictionaryHasEveryKey).

  fuzz/check_config_dict.py WIDTHLAB_BINARY
"""
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def main(argv):
    keys = subprocess.run([argv[0], "config", "--keys"], capture_output=True, text=True, check=True).stdout.split()
    names = {part for key in keys for part in key.split(".")}
    tokens = {line.strip() for line in (HERE / "dict" / "config.dict").read_text(encoding="utf-8").splitlines()}
    missing = sorted(n for n in names if f'"{n}"' not in tokens)
    for n in missing:
        print(f'fuzz/dict/config.dict: "{n}" is missing (a name of `widthlab config --keys`)')
    print(f"check_config_dict: {len(names)} names, {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
