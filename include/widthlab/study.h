// The main job (architecture.md §1, §3 "Study", §4 `widthlab study`, §8; theory.md §6.2 R13, §8.7): the finite sweep
// (sweep.h), for every scaling its d = ∞ limit (classification.h → limit_run.h), distances between each finite run and
// the limit (distances.h), fitted convergence exponents (rate_fit.h), a report (report.h) and plots.
//
// Limits per scaling, from classify(scaling):
//   * unstable (e.g. SP with a constant lr: C > 0): no stable limit; the distance column is to the largest-width net
//     of the same seed and is reported as "drift", not as convergence;
//   * a stable model listed in [limits] compute and simulated by simulate_limit: "independent" limits, one per
//     limits.seeds (GP sample / particles of their own), used for the limit's loss/accuracy and the KL over seeds;
//     every model that uses the init logits g (ntk, ic-mf, sym-default, regions 5, 8, 9, 10, 13) is also run
//     "coupled", once per (width, seed) with g = that finite net's own initial logits (divided by ω^A; for IC-MF those
//     of its frozen SP copy, theory.md §3.5), so that the per-seed logit RMS measures the finite-width error and not
//     the difference between two GP draws;
//   * otherwise (model not in limits.compute, or one the simulator does not run): a LIMIT PROXY, the same scaling's
//     finite net at the largest width and the same seed, marked as such everywhere.
// Logits are compared in normalised units f / ω^{max(A,B)} (theory.md §2.2, ω = d/d*); an unstable scaling's, against
// its widest net, and a deep mf scaling's, against the multilayer MF particle system, in raw units (normaliser
// exponent 0; theory.md §8.7).
// Per-seed distance (primary): logit RMS against the coupled limit, else the independent limit limits.seeds[i mod L]
// for the seed at position i of sweep.seeds (for MF-type models without g the limit is deterministic up to N^{-1/2}
// particle noise), else the proxy (theory.md §8.7, "The study's distances").
// |Δ test loss| and the sign gap are normalisation-free; "approaches" needs the evidence of report.h Convergence.
// The coordinate check (coord_check.h, theory.md §10.4): every run records its layers' RMS at init and their change
// after t = 1..kStudyCoordSteps steps; their exponents vs width are judged against the classifier's predictions.
//
// Files in DIR: runs.jsonl, curves/, logits/ (sweep.h), limits.jsonl (one line per limit run: scaling, model, kind
// "independent" | "coupled", seed, width (coupled), status, final metrics, curve), logits/limit_*.npy, distances.csv,
// rates.json, coord_check.csv (per run, layer and t), coord_fit.csv (per scaling, layer and t: exponent, interval,
// prediction, verdict), config.toml, report.md, *.png. --resume skips finished runs and limits.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "widthlab/config.h"
#include "widthlab/sweep.h"

namespace widthlab {

// The coordinate check follows the first kStudyCoordSteps updates of every run (theory.md §10.4).
constexpr int kStudyCoordSteps = 3;

// How the finite sweep is carried out: run_sweep in this process (the default), or a distributed runner that the
// caller picks (the CLI hands in run_sweep_mpi under mpirun; the study itself knows nothing of MPI).
using SweepRunner = std::function<SweepSummary(const SweepSetup&, const SweepOptions&)>;

struct StudyOptions {
  std::filesystem::path out;  // prepared output directory (output_dir.h), config.toml already written
  SweepRunner sweep_runner;   // empty: run_sweep
  int threads = 0;            // 0 = all cores
  bool plots = true;
  std::string python;              // interpreter for the plots; "" = $WIDTHLAB_PYTHON, else /usr/bin/python3
  int bootstrap = 1000;            // rate-fit bootstrap resamples
  std::vector<std::string> notes;  // lines for the report (e.g. what the CLI changed in the default config)
};

struct StudySummary {
  int runs = 0, runs_ok = 0, runs_diverged = 0, runs_failed = 0, limits = 0, limits_failed = 0;
  int runs_above_init = 0;  // of runs_ok: ended above their train loss at init (trained_above_initial_loss)
  double seconds = 0, sweep_seconds = 0, limit_seconds = 0;
  bool plots_drawn = false;
  std::string plot_message;         // why plots were not drawn, or what was drawn
  std::vector<std::string> errors;  // failed runs / limits / bad scalings (also in the report and on stderr)
  std::string brief() const;
};

StudySummary run_study(const Config& config, const StudyOptions& options);

// On --resume, before the verb writes anything in options.out: every logits file the study would read back is what its
// run wrote (shape, dtype, finite values), else InputError naming the file. run_study checks it again.
void check_study_resume(const Config& config, const StudyOptions& options);

// The sweep a study runs (its options: logits kept, the study's threads and time budget). Worker ranks of a
// distributed runner call the runner with these, so that every rank runs the same runs as the study's rank.
// The study's sweep: make_sweep_setup(config) with the coordinate check tracked for kStudyCoordSteps steps. Every
// rank of a distributed study builds it the same way.
SweepSetup study_sweep_setup(const Config& config);
SweepOptions study_sweep_options(const Config& config, const StudyOptions& options);

// Every name a study of `config` (its sweep `setup` = study_sweep_setup(config)) writes in its output directory beyond
// the run-dir verbs' fixed ones, relative to it: distances.csv, rates.json, coord_check.csv, coord_fit.csv, each run's
// curves/<stem>.csv and logits/<stem>.npy, each planned limit run's logits, and with `plots` (and study.plots)
// plots.log and the figures; with the .tmp each is written through. The CLI checks them before any work
// (architecture.md §4: a user's file under a name the verb writes is refused at that check).
std::vector<std::string> study_output_names(const Config& config, const SweepSetup& setup, bool plots);

// The built-in default study without a config (`widthlab study` without --config, widthlab.study() without config):
// the default config reduced by these --set lines so that it finishes in about 10 minutes on 2 cores (widths to 2048,
// 8192 MF particles, 3 limit seeds, every default scaling's limit); the caller's own overrides come after them and
// win. default_study_budget_note() is the line both print and write into the report.
const std::vector<std::string>& default_study_budget();
std::string default_study_budget_note();

// After a plot script ran in `dir`: of the figure names it may draw, `drawn` are the ones widthlab wrote (listed in
// the manifest), `kept` those held by a file widthlab did not write (the script skipped them: plot_outputs.py). The
// reports show only `drawn`; not_drawn() says which were not, in one line.
struct DrawnFigures {
  std::vector<std::string> drawn, kept;
  std::string not_drawn() const;
};
DrawnFigures drawn_figures(const std::filesystem::path& dir, const std::vector<std::string>& figures);

// Draws DIR's plots with python/plots/widthlab_plots.py (plot_script.h; its output in DIR/plots.log). Returns "" on
// success, else why not (missing python or matplotlib, script error) in one line; never throws.
std::string draw_plots(const std::filesystem::path& dir, const std::string& python = "");

// Particles of a coupled limit run at `width` (limits.coupled_particles_per_width, config.h): min(mf_particles,
// per_width · width) rounded up to even; mf_particles when per_width is 0.
int coupled_particle_count(int mf_particles, int per_width, int width);

}  // namespace widthlab
