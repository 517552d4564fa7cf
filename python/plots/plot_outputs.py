"""Writing a figure into a widthlab output directory under its manifest rule (include/widthlab/output_dir.h):
widthlab never overwrites a file it did not write. DIR/.widthlab-manifest lists, one relative path a line, every
file widthlab wrote in DIR; a figure whose name is taken by a file that is not listed is skipped with a warning."""
import os
import sys

MANIFEST = ".widthlab-manifest"


def _output_root(directory):
    """The nearest folder at or above `directory` that holds a manifest (output_dir.h), or None."""
    d = os.path.abspath(directory)
    while True:
        if os.path.isfile(os.path.join(d, MANIFEST)):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


RELEASE = "- "  # a line releasing a path widthlab no longer holds (a renamed "<name>.tmp"; src/core/manifest.h)


def _listed(root):
    """The manifest's entries after its release lines (the manifest is an append-only log, src/core/manifest.h)."""
    listed = set()
    with open(os.path.join(root, MANIFEST), encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(RELEASE):
                listed.discard(line[len(RELEASE):])
            elif line.strip():
                listed.add(line)
    return listed


def save_figure(fig, directory, name, dpi=110):
    """Saves `fig` as DIR/name (via name.tmp, renamed when complete) and lists it in the nearest manifest at or above
    DIR. Returns False, printing why, when DIR/name exists and that manifest does not list it. Outside any output
    directory (no manifest above) it writes as asked: the caller chose the folder."""
    target = os.path.join(directory, name)
    if os.path.islink(target) or os.path.islink(target + ".tmp"):
        # widthlab writes no links: one here is someone else's, and writing through it would reach a file outside DIR
        print(f"widthlab plots: {target} is a symbolic link widthlab did not write; not writing through it",
              file=sys.stderr)
        return False
    root = _output_root(directory)
    rel = os.path.relpath(os.path.abspath(target), root) if root else name
    if root is not None:
        listed = _listed(root)
        for path, entry in ((target, rel), (target + ".tmp", rel + ".tmp")):
            if entry not in listed and os.path.lexists(path):
                print(f"widthlab plots: {path} exists and was not written by widthlab; not overwriting it",
                      file=sys.stderr)
                return False
        with open(os.path.join(root, MANIFEST), "a", encoding="utf-8") as f:
            f.write("".join(f"{e}\n" for e in (rel, rel + ".tmp") if e not in listed))
    fig.savefig(target + ".tmp", dpi=dpi, format=os.path.splitext(name)[1].lstrip(".") or "png")
    os.replace(target + ".tmp", target)
    if root is not None:  # the .tmp name is no longer widthlab's: a file put there later is the user's
        with open(os.path.join(root, MANIFEST), "a", encoding="utf-8") as f:
            f.write(f"{RELEASE}{rel}.tmp\n")
    return True


def report_drawn(script, drawn, kept):
    """One line on what was written, and one on stderr naming the figures not drawn (their names are taken by files
    widthlab did not write): the log never claims a figure it did not write."""
    if drawn:
        print(f"{script}: wrote " + ", ".join(drawn))
    if kept:
        print(f"{script}: not drawn (a file widthlab did not write has the name; kept): " + ", ".join(kept),
              file=sys.stderr)
