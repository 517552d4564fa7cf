#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (small valid and invalid inputs).

Deterministic (fixed bytes, gzip with mtime 0), standard library only; rerun after editing and commit the result.
Usage: fuzz/make_corpus.py [OUT_DIR]   (default: fuzz/corpus next to this script)
"""
import gzip
import pathlib
import shutil
import struct
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent


# ---- .npy -------------------------------------------------------------------------------------------------------

def npy(descr, shape, payload=b"", major=1, fortran=False, dict_text=None):
    """A .npy file as numpy writes it: magic, version, little-endian header length, dict padded to 64, data."""
    if dict_text is None:
        dims = f"{shape[0]}," if len(shape) == 1 else ", ".join(str(d) for d in shape)
        dict_text = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': ({dims}), }}"
    pre = 10 if major == 1 else 12
    body = dict_text.encode("latin-1")
    total = pre + len(body) + 1
    body += b" " * ((total + 63) // 64 * 64 - total) + b"\n"
    size = struct.pack("<H", len(body)) if major == 1 else struct.pack("<I", len(body))
    return b"\x93NUMPY" + bytes([major, 0]) + size + body + payload


def npy_seeds():
    f8 = struct.pack("<6d", 1, 2, 3, 4, 5, 6)
    return {
        "f8_2x3.npy": npy("<f8", (2, 3), f8),
        "f4_vector.npy": npy("<f4", (4,), struct.pack("<4f", 0.5, -1, 2, 3)),
        "i8_column.npy": npy("<i8", (3, 1), struct.pack("<3q", 1, -1, 7)),
        "u1_2x2.npy": npy("|u1", (2, 2), bytes([0, 1, 254, 255])),
        "u1_little.npy": npy("<u1", (2,), bytes([3, 4])),
        "v2_f8.npy": npy("<f8", (1, 2), struct.pack("<2d", 1, 2), major=2),
        "v3_f8.npy": npy("<f8", (1,), struct.pack("<d", 1), major=3),
        "empty_0x3.npy": npy("<f8", (0, 3)),
        "scalar.npy": npy("<f8", (), struct.pack("<d", 4)),
        "three_d.npy": npy("<f4", (1, 2, 2), struct.pack("<4f", 1, 2, 3, 4)),
        "nan.npy": npy("<f8", (2,), struct.pack("<2d", float("nan"), float("inf"))),
        "bad_fortran.npy": npy("<f8", (2, 3), f8, fortran=True),
        "bad_magic.npy": b"\x93NUMPX\x01\x00" + npy("<f8", (1,), b"\0" * 8)[8:],
        "bad_version.npy": b"\x93NUMPY\x04\x00" + npy("<f8", (1,), b"\0" * 8)[8:],
        "bad_dtype.npy": npy(">f8", (1,), b"\0" * 8),
        "bad_truncated.npy": npy("<f8", (2, 3), f8[:20]),
        "bad_negative_dim.npy": npy("<f8", (), dict_text="{'descr': '<f8', 'fortran_order': False, "
                                    "'shape': (-1, 2), }"),
        "bad_huge_shape.npy": npy("<f8", (), dict_text="{'descr': '<f8', 'fortran_order': False, "
                                  "'shape': (9223372036854775807, 9223372036854775807, 0), }"),
        "bad_no_shape.npy": npy("<f8", (), dict_text="{'descr': '<f8', 'fortran_order': False, }"),
        "bad_shape_text.npy": npy("<f8", (), dict_text="{'descr': '<f8', 'fortran_order': False, 'shape': (2x, 1), }"),
        "bad_header_length.npy": b"\x93NUMPY\x01\x00\xff\xff{'descr': '<f8'}",
        "bad_short.npy": b"\x93NUM",
        # Long headers (std::regex overflowed the stack on these: tests/core/fuzz_regressions_test.cpp).
        "long_shape.npy": npy("<f8", (1,) * 3000, b"\0" * 8),
        "bad_long_descr.npy": npy("x" * 12000, (1,), b"\0" * 8),
        # Finding 4 (fuzz/README.md): an empty stack of images whose other dimensions overflow the element count.
        "finding4-empty-stack-huge-images.npy": npy("<f8", (), dict_text="{'descr': '<f8', 'fortran_order': False, "
                                                    "'shape': (922337203685775,4078 9223372036854775807, 0), }"),
    }


# ---- IDX --------------------------------------------------------------------------------------------------------

def idx(ndim, dims, data, type_byte=0x08):
    return bytes([0, 0, type_byte, ndim]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def gz(data):
    return gzip.compress(data, mtime=0)


def idx_raw_seeds():
    """Uncompressed IDX files (also the payloads of the idx_gz target)."""
    return {
        "labels.idx": idx(1, [5], [0, 1, 2, 9, 6]),
        "images.idx": idx(3, [2, 3, 3], range(18)),
        "four_d.idx": idx(4, [1, 2, 1, 2], [1, 2, 3, 4]),
        "empty_images.idx": idx(3, [0, 28, 28], []),
        "bad_type_float.idx": idx(1, [1], [0, 0, 0, 0], type_byte=0x0D),
        "bad_ndim.idx": idx(5, [1, 1, 1, 1, 1], [7]),
        "bad_truncated.idx": idx(3, [2, 3, 3], range(10)),
        "bad_trailing.idx": idx(1, [2], [1, 2, 3]),
        "bad_huge_dims.idx": idx(3, [0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], []),
        "bad_zero_of_huge_images.idx": idx(3, [0, 0xFFFFFFFF, 0xFFFFFFFF], []),  # tests/data/fuzz_regressions_test.cpp
        "bad_short_header.idx": bytes([0, 0, 8, 3, 0, 0]),
        "bad_empty.idx": b"",
    }


def idx_seeds():
    seeds = dict(idx_raw_seeds())
    seeds["labels.idx.gz"] = gz(idx(1, [5], [0, 1, 2, 9, 6]))
    seeds["images.idx.gz"] = gz(idx(3, [2, 3, 3], range(18)))
    seeds["bad_truncated_stream.gz"] = gz(idx(3, [2, 3, 3], range(18)))[:-12]
    seeds["bad_crc.gz"] = gz(idx(1, [2], [1, 2]))[:-8] + b"\0\0\0\0\0\0\0\0"
    seeds["bad_gzip_garbage.gz"] = b"\x1f\x8b\x08\x00" + b"\xff" * 20
    return seeds


def idx_gz_seeds():
    """First byte: bit 0 = cut the compressed stream short (by (byte >> 1) % size + 1 bytes); then the IDX bytes."""
    seeds = {}
    for name, data in idx_raw_seeds().items():
        seeds["whole_" + name] = b"\x00" + data
    seeds["cut1_labels.idx"] = b"\x01" + idx(1, [5], [0, 1, 2, 9, 6])
    seeds["cut9_images.idx"] = b"\x11" + idx(3, [2, 3, 3], range(18))
    return seeds


# ---- CIFAR-10 -------------------------------------------------------------------------------------------------

def cifar_record(label, fill):
    return bytes([label]) + bytes((fill + i) % 256 for i in range(3072))


def cifar_seeds():
    return {
        "one.bin": cifar_record(3, 0),
        "two.bin": cifar_record(0, 1) + cifar_record(9, 2),
        "bad_label.bin": cifar_record(10, 0),
        "bad_size.bin": cifar_record(1, 0)[:-1],
        "bad_tail.bin": cifar_record(1, 0) + b"\x01",
        "bad_empty.bin": b"",
    }


# ---- CSV --------------------------------------------------------------------------------------------------------

def csv_seeds():
    return {
        "header.csv": b"x1,x2,label\n0.5,1,0\n-2,3e-3,1\n",
        "no_header.csv": b"1,2,3\n4,5,6\n",
        "comments_blank.csv": b"# comment\n\n1.0, 2.0 ,1\r\n  \n+3,-4,0\r\n",
        "one_feature.csv": b"a,b\n1,0\n2,1\n",
        "bad_ragged.csv": b"1,2,3\n4,5\n",
        "bad_nan.csv": b"1,nan,0\n",
        "bad_inf.csv": b"inf,1,0\n",
        "bad_word.csv": b"1,2,0\n1,two,1\n",
        "bad_one_column.csv": b"1\n2\n",
        "bad_header_only.csv": b"a,b,c\n",
        "bad_empty_cell.csv": b"1,,0\n",
        "bad_empty.csv": b"",
        "bad_binary.csv": b"1,2\x00,3\n\xff\xfe,1,0\n",
    }


# ---- TOML config ------------------------------------------------------------------------------------------------

def config_seeds():
    default = (REPO / "configs" / "default.toml").read_bytes()
    seeds = {
        "default.toml": default,
        "empty.toml": b"",
        "gaussians.toml": b'[data]\ndataset = "gaussians"\ntrain_size = 20\n[train]\nsteps = 2\nlr = 0.1\n',
        "custom.toml": b"[model]\ndepth = 2\n[scaling]\npresets = []\n[scaling.custom]\ninit = [0, -0.5, -0.5]\n"
                       b"lr = [1, 0, -1]\n",
        "q_points.toml": b"[scaling]\npresets = []\nq = [[-0.5, 0.5], [-1, 1, 0]]\n",
        "sgd_batch.toml": b'[train]\noptimizer = "sgd"\nbatch = 10\nloss = "mse"\n[sweep]\nwidths = [8]\nseeds = [1]\n',
        "adam_ce.toml": b'[data]\ndataset = "mnist"\npath = "/x"\n[train]\noptimizer = "adam"\nloss = "cross-entropy"\n'
                        b'[limits]\ncompute = []\n',
        "overrides.toml": b'[train]\nlr = 0.5\n\n#--set\ntrain.lr=0.1\nscaling.presets=["mf"]\nmodel.activation=relu\n',
        "override_only.toml": b"\n#--set\nsweep.widths=[4, 8]\nstudy.plots=false\n",
        "bad_unknown_key.toml": b"[train]\nlrr = 0.1\n",
        "bad_unknown_section.toml": b"[trian]\nlr = 0.1\n",
        "bad_type.toml": b'[train]\nlr = "fast"\n',
        "bad_syntax.toml": b"[train\nlr = = 1\n",
        "bad_utf8.toml": b'[reproduce]\nname = "\xc3\x28"\n',
        "bad_depth.toml": b"[model]\ndepth = 0\n",
        "bad_big_int.toml": b"[train]\nsteps = 99999999999\n",
        "bad_preset.toml": b'[scaling]\npresets = ["intermediate:2"]\n',
        "bad_alias_twice.toml": b'[scaling]\npresets = ["mf", "mean-field"]\n',
        "bad_override.toml": b"\n#--set\ntrain.nope=1\n",
        "bad_date.toml": b"[study]\nmax_seconds = 1979-05-27T07:32:00Z\n",
        "bad_inline_table.toml": b"scaling = { custom = { init = [1] } }\n",
    }
    return seeds


# ---- scaling names and classify requests ----------------------------------------------------------------------

def scaling_seeds():
    """First byte: bits 0-1 depth - 1, bit 2 adaptive family, bits 3-5 reference width choice; then the name."""
    names = ["sp", "ntk", "mf", "ic-mf", "mup", "improved-sp", "sym-default", "intermediate", "intermediate:0.6",
             "Mean-Field", "standard", "(-0.5, 0.5)", "(-1, 1, 0)", " ( -0.75 , 0.5 ) ",
             "custom:init=0,-0.5;lr=1,-1", "custom:init=0,0,-1;multiplier=0,0,0;lr=1,0,-1",
             "leaky_relu:0.2", "cross-entropy", "rmsprop", "(-3/4, 1/2)", "intermediate:3/4",
             "custom:init=0,-1/2;lr=+1,-1", "-3/4", "1/0", "1/ 2", "0x1p-2", "1e-999",
             "bad", "intermediate:1.5", "intermediate:nan", "sp:1", "(1, 2, 3, 4)", "(1e999, 0)", "()", "(",
             "custom:", "custom:init=;lr=1", "custom:foo=1", "custom:init=1,2,3,4,5,6,7,8"]
    seeds = {}
    for i, name in enumerate(names):
        flag = (i * 5) % 64 if not name.startswith(("custom:init=0,0", "custom:init=1,2")) else 1
        seeds[f"name_{i:02d}"] = bytes([flag]) + name.encode()
    return seeds


def classify_seeds():
    """Lines: flags (depth digit or '-', then 'c' = use the config text), preset, q_sigma, q_lr, q_lr_out,
    activation, optimizer, config TOML."""
    def req(flags="", preset="", qs="", ql="", qo="", act="", opt="", toml=""):
        return "\n".join([flags, preset, qs, ql, qo, act, opt, toml]).encode()
    return {
        "preset_mf": req(preset="mf"),
        "preset_deep": req(flags="3", preset="ntk", act="relu", opt="sgd"),
        "q_point": req(qs="-0.75", ql="0.5"),
        "q_fractions": req(qs="-3/4", ql=" 1/2 ", qo="1"),
        "q_point_out": req(flags="1", qs="-1", ql="1", qo="0", opt="rmsprop"),
        "config": req(flags="-c", toml='[scaling]\npresets = ["mup"]\n[model]\ndepth = 2\n'),
        "config_q": req(flags="1c", toml="[scaling]\npresets = []\nq = [[-0.5, 0.5]]\n"),
        "bad_two_modes": req(preset="mf", qs="1", ql="1"),
        "bad_none": req(),
        "bad_q_text": req(qs="x", ql="1"),
        "bad_q_alone": req(qs="-1"),
        "bad_depth": req(flags="0", preset="mf"),
        "bad_activation": req(preset="sp", act="swish"),
        "bad_optimizer": req(preset="sp", opt="lbfgs"),
        "bad_adaptive_deep": req(flags="2", preset="sym-default", opt="adam"),
    }


# ---- architecture text (arch) -------------------------------------------------------------------------------

def arch_seeds():
    """First byte: bits 0-2 pick an input shape; bit 7: the first line is an "H,W,C" shape. Then the arch text."""
    texts = ["conv(3x3,same,64)-relu-conv(3x3,same,64)-relu-gap-dense(1)",
             "conv(5,valid,8,stride=2)-erf-flatten-dense(16)-relu-dense(1)",
             "conv(2x3,circular,4,stride=2x1)-leaky_relu:1e-3-flatten-dense(1)",
             "dense(512)-relu-dense(512)-relu-dense(1)", " conv( 3 , SAME , 2 ) - tanh - gap - dense(3) ",
             "conv(28x28,valid,10)-relu-dense(1)", "relu-dense(1)",
             "conv(3,sam,4)", "dense(0)", "dense(-3)", "dense(3))", "conv(3,same)", "pool(2)", "relu-flatten",
             "dense(4)--relu", "dense", "conv(3,same,4,stride=0)", "dense(3)-flatten-conv(1,same,2)",
             "dense(16777216)-dense(16777216)", "conv(4096,valid,1)"]
    seeds = {f"arch_{i:02d}": bytes([i % 8]) + t.encode() for i, t in enumerate(texts)}
    seeds["shape_ok"] = b"\x80" + b"6,5,3\nconv(3,valid,2)-relu-gap-dense(1)"
    seeds["shape_bad"] = b"\x80" + b"6,0,3\ndense(1)"
    return seeds


TARGETS = {
    "npy": npy_seeds, "idx": idx_seeds, "idx_gz": idx_gz_seeds, "cifar": cifar_seeds, "csv": csv_seeds,
    "config": config_seeds, "scaling": scaling_seeds, "classify": classify_seeds,
    "arch": arch_seeds,
}


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "corpus"
    for target, make in TARGETS.items():
        d = out / target
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        for name, data in make().items():
            (d / name).write_bytes(data)
        print(f"{d}: {len(list(d.iterdir()))} files")


if __name__ == "__main__":
    main()
