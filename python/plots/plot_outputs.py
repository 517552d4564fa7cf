"""Writing a figure into a widthlab output directory under its manifest rule (include/widthlab/output_dir.h):
widthlab never overwrites a file it did not write. DIR/.widthlab-manifest lists, one relative path a line, every
file widthlab wrote in DIR; a figure whose name is taken by a file that is not listed is skipped with a warning."""
import os
import sys

MANIFEST = ".widthlab-manifest"


def _listed(directory):
    path = os.path.join(directory, MANIFEST)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return {line.rstrip("\n") for line in f if line.strip()}


def save_figure(fig, directory, name, dpi=110):
    """Saves `fig` as DIR/name (via name.tmp, renamed when complete) and lists it in the manifest. Returns False,
    printing why, when DIR/name exists and widthlab did not write it."""
    target = os.path.join(directory, name)
    listed = _listed(directory)
    if listed is not None and name not in listed:
        if os.path.lexists(target) or os.path.lexists(target + ".tmp"):
            print(f"widthlab plots: {target} exists and was not written by widthlab; not overwriting it",
                  file=sys.stderr)
            return False
        with open(os.path.join(directory, MANIFEST), "a", encoding="utf-8") as f:
            f.write(f"{name}\n{name}.tmp\n")
    fig.savefig(target + ".tmp", dpi=dpi, format=os.path.splitext(name)[1].lstrip(".") or "png")
    os.replace(target + ".tmp", target)
    return True
