// Output directories of the verbs that write results (DESIGN §4: `--out DIR`, `--resume`, `--force`).
#pragma once
#include <filesystem>
#include <string>

namespace widthlab {

// fresh: DIR must be absent or empty; resume: keep what DIR holds (runs already in runs.jsonl are skipped by the
// caller); force: delete DIR's contents first.
enum class OutputMode { fresh, resume, force };

// Makes `path` a usable, writable output directory (created with its parents when missing) and returns it.
// InputError (one line naming the path) when: the path is empty; it or a parent is a file; it cannot be created;
// it is not writable (checked by a probe file, so it also holds for root); it already holds files and mode is fresh
// ("…already holds results; pass --resume to continue or --force to overwrite"); mode is force and the directory is
// "/", $HOME, the current directory or one of its parents (refused rather than deleted).
// Non-UTF-8 path names work (Linux paths are bytes); messages show such bytes as \xNN.
std::filesystem::path prepare_output_dir(const std::filesystem::path& path, OutputMode mode);

// `path` with every byte that is not part of valid UTF-8 (and every control character) written as \xNN, so that
// messages stay printable and JSON-serialisable.
std::string printable_path(const std::filesystem::path& path);
std::string printable_text(const std::string& bytes);

}  // namespace widthlab
