"""scripts/compare-runs on two hand-made runs: the shift z and the per-seed movement against hand-computed values."""
import gzip
import json
import math
import pathlib
import statistics
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "compare-runs"


def write_run(folder, core, claims, losses, gzipped=False, runs_in=""):
    folder.mkdir()
    (folder / runs_in).mkdir(exist_ok=True)
    (folder / "claims.json").write_text(json.dumps({"name": "case", "claims": claims}), encoding="utf-8")
    (folder / "provenance.jsonl").write_text(json.dumps({"git": "abc1234", "openblas_core": core, "cpu": "x"}) + "\n",
                                             encoding="utf-8")
    lines = "".join(json.dumps({"scaling": "mf", "width": w, "seed": s, "test_loss": v}) + "\n"
                    for (w, s), v in losses.items())
    if gzipped:
        with gzip.open(folder / runs_in / "runs.jsonl.gz", "wt", encoding="utf-8") as f:
            f.write(lines)
    else:
        (folder / "runs.jsonl").write_text(lines, encoding="utf-8")


def claim(cid, verdict, x, lo, hi):
    return {"id": cid, "verdict": verdict, "sanity": False,
            "measured": f"fitted exponent {x} [{lo}, {hi}] vs region [-inf, 0] (theory.md §8.7)"}


def run(a, b):
    out = subprocess.run([sys.executable, str(SCRIPT), str(a), str(b)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_shift_and_per_seed_movement(tmp_path):
    a_losses = {(64, 0): 0.30, (64, 1): 0.40, (64, 2): 0.50}
    b_losses = {(64, 0): 0.30, (64, 1): 0.45, (64, 2): 0.20}
    undecidable = dict(claim("c2", "fails", 1, 0.5, 1.5), uninformative=True)
    write_run(tmp_path / "a", "SkylakeX", [claim("c1", "holds", -0.3, -0.5, -0.1), undecidable], a_losses)
    write_run(tmp_path / "b", "Haswell", [claim("c1", "inconclusive", 0.1, -0.3, 0.5), claim("c2", "fails", 1, 0.5, 1.5)],
              b_losses, gzipped=True, runs_in="study")  # a sub-study's runs, as golikov2021-regions' study/
    text = run(tmp_path / "a", tmp_path / "b")
    # z = (0.1 − (−0.3)) / √((0.4/3.92)² + (0.8/3.92)²) = 0.4 / 0.22817 = 1.753
    z = 0.4 / math.hypot(0.4 / 3.92, 0.8 / 3.92)
    assert f"| c1 | counted | holds | inconclusive **≠** | -0.3 [-0.5, -0.1] | 0.1 [-0.3, 0.5] | {z:+.2f} |" in text
    assert "| c2 | cannot decide | fails | fails | 1 [0.5, 1.5] | 1 [0.5, 1.5] | +0.00 |" in text
    assert "2 claims: 1 with the same verdict, 1 changed, 0 to the opposite verdict" in text
    sd = statistics.stdev([0.30, 0.40, 0.50])  # 0.1
    assert f"| scaling mf, width 64 | 3 | {sd:.3g} | 0.05 | 0.3 | {0.3 / sd:.3g} |" in text
    assert "git abc1234, OpenBLAS core SkylakeX" in text and "OpenBLAS core Haswell" in text


def test_opposite_verdicts_are_counted_and_other_cases_refused(tmp_path):
    write_run(tmp_path / "a", "SkylakeX", [claim("c1", "holds", -0.3, -0.5, -0.1)], {})
    write_run(tmp_path / "b", "Haswell", [claim("c1", "fails", 0.3, 0.1, 0.5)], {})
    assert "1 to the opposite verdict (holds ↔ fails)" in run(tmp_path / "a", tmp_path / "b")
    other = tmp_path / "c"
    write_run(other, "Haswell", [], {})
    (other / "claims.json").write_text(json.dumps({"name": "another", "claims": []}), encoding="utf-8")
    out = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "a"), str(other)], capture_output=True, text=True)
    assert out.returncode == 2 and "a run of 'case'" in out.stderr and "of 'another'" in out.stderr
