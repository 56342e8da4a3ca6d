// The driver of eigsh: a stage machine over the Lanczos parts, in reverse communication.
#include "eigsh.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <numeric>
#include <string>

#include "eigsh_dense.h"
#include "eigsh_options.h"
#include "gram.h"
#include "lanczos_block_ops.h"
#include "lanczos_device.h"
#include "lanczos_factorization.h"
#include "lanczos_orthogonalizer.h"
#include "lanczos_restart.h"

namespace speclin {

using lanczos::BlockLanczosFactorization;
using lanczos::BlockOrthogonalizer;
using lanczos::DeviceLanczosFactorization;
using lanczos::LanczosFactorization;
using lanczos::RestartPolicy;

struct EigshSolver::State {
  enum class Stage { Init, Dense, Deflate, Extend, Verify, Collect, Done };

  EigshPlan plan;
  std::vector<double> v0, defl;
  EigshProfile* profile = nullptr;  // the caller's, or null
  Stage stage = Stage::Init;
  std::size_t cols = 0;  // columns of the current request
  double anorm = 0;      // the largest |Ritz value| seen
  std::size_t iterations = 0, matvecs = 0;
  double maxres = std::numeric_limits<double>::infinity();

  // Lanczos path
  std::unique_ptr<LanczosFactorization> fact;
  DeviceLanczosFactorization* device = nullptr;  // fact, when the basis is on a device
  RestartPolicy policy;
  std::vector<double> lock_val, lock_res;
  std::vector<std::size_t> cands;
  std::size_t nsel = 0;  // Ritz vectors a restart may keep

  // Dense path: the request (the identity and its product) and the answer
  std::vector<double> dX, dY;
  DenseEigshOutcome dense;

  double tol_abs() const { return plan.tol * norm_used(); }
  double norm_used() const { return plan.norm_bound > 0 ? plan.norm_bound : anorm; }
  std::size_t locked() const { return fact ? fact->locked() : 0; }

  double* input() { return plan.dense ? dX.data() : fact->input(); }
  double* output() { return plan.dense ? dY.data() : fact->output(); }

  bool request(Stage s, std::size_t ncols) {
    stage = s;
    cols = ncols;
    return true;
  }
  // A device basis hands its locked columns over first.
  bool finish() {
    if (device && stage != Stage::Collect) return request(Stage::Collect, locked());
    stage = Stage::Done;
    return false;
  }

  bool init() {
    const std::size_t n = plan.n, c = plan.deflate_cols;
    if (c > 0) BlockOrthogonalizer(n, plan.seed, nullptr).orthonormalize_deflation(defl.data(), c);
    if (plan.dense) {
      dX.assign(n * n, 0.0);
      dY.assign(n * n, 0.0);
      for (std::size_t i = 0; i < n; ++i) dX[i * n + i] = 1;
      return request(Stage::Dense, n);
    }
    const std::size_t widest = std::max({plan.block, plan.k, c});
    if (plan.device) {
      auto d = std::make_unique<DeviceLanczosFactorization>(n, plan.basis, plan.block, widest, plan.seed);
      device = d.get();
      fact = std::move(d);
    } else {
      fact = std::make_unique<BlockLanczosFactorization>(n, plan.basis, plan.block, widest, plan.seed, plan.lagged,
                                                         profile);
    }
    policy = RestartPolicy{plan.basis, plan.block};
    if (c > 0) {
      fact->lock_known(defl.data(), c);
      std::copy(defl.begin(), defl.end(), fact->input());
      return request(Stage::Deflate, c);
    }
    return start();
  }

  bool finish_dense() {
    matvecs += plan.n;
    iterations = 1;
    dense = solve_dense(plan.n, plan.k, dY.data(), defl.data(), plan.deflate_cols, plan.tol, plan.norm_bound);
    anorm = std::max(anorm, dense.norm);
    maxres = 0;
    for (double r : dense.residuals) maxres = std::max(maxres, r);
    return finish();
  }

  bool finish_deflate() {
    const std::size_t n = plan.n, c = plan.deflate_cols;
    matvecs += c;
    std::vector<double> val(c), res(c);
    const double* X = fact->input();
    const double* Y = fact->output();
    lanczos::column_dots(n, c, X, Y, val.data());
    lanczos::residual_norms(n, c, X, Y, val.data(), res.data());
    for (double v : val) anorm = std::max(anorm, std::fabs(v));
    for (std::size_t q = 0; q < c; ++q) {
      if (!(res[q] <= tol_abs()))
        eigsh_bad_option("deflate column " + std::to_string(q) + " is not an eigenvector of the operator: ||A v - lambda v|| = " +
                         format_number(res[q]) + " > tol * norm = " + format_number(tol_abs()));
      lock_val.push_back(val[q]);
      lock_res.push_back(res[q]);
    }
    if (locked() >= plan.k) return finish();
    fact->set_locked_values(lock_val);
    return start();
  }

  bool start() {
    fact->start(v0.data(), plan.v0_cols);
    return request_extend();
  }

  bool request_extend() {
    if (iterations >= plan.max_iterations) {
      fact->settle();
      return finish();
    }
    if (device) device->plan_steps(plan.max_iterations - iterations);
    return request(Stage::Extend, plan.block);
  }

  bool finish_extend() {
    const std::size_t steps = device ? device->request().steps : 1;
    matvecs += plan.block * steps;
    iterations += steps;
    fact->extend();
    if (plan.norm_bound <= 0)
      for (double t : fact->ritz_values()) anorm = std::max(anorm, std::fabs(t));
    const auto& est = fact->residual_estimates();
    const std::size_t wanted = plan.k - locked(), ma = fact->active();
    bool all = ma >= wanted;
    double mr = 0;
    for (std::size_t i = 0; i < std::min(wanted, ma); ++i) {
      mr = std::max(mr, est[i]);
      if (!(est[i] <= tol_abs())) all = false;
    }
    for (double r : lock_res) mr = std::max(mr, r);
    maxres = mr;
    if (all || !fact->has_room()) return plan_restart();
    fact->advance();
    return request_extend();
  }

  // Only the candidates' Ritz vectors are formed (into the request block); the basis is rotated
  // in place once the verification has decided which of them lock.
  bool plan_restart() {
    const std::size_t wanted = plan.k - locked();
    cands = policy.candidates(fact->residual_estimates(), wanted, tol_abs());
    nsel = policy.selectable(fact->active(), cands.size(), locked());
    if (cands.empty()) return rebuild({}, {}, {});
    fact->ritz_vectors(cands, fact->input());
    return request(Stage::Verify, cands.size());
  }

  bool finish_verify() {
    PhaseTimer timer(profile ? &profile->verify : nullptr);
    const std::size_t nc = cands.size();
    matvecs += nc;
    std::vector<double> th(nc), res(nc);
    for (std::size_t q = 0; q < nc; ++q) th[q] = fact->ritz_values()[cands[q]];
    lanczos::residual_norms(plan.n, nc, fact->input(), fact->output(), th.data(), res.data());
    std::vector<std::size_t> pass, pass_cols;
    std::vector<double> pres;
    for (std::size_t q = 0; q < nc; ++q)
      if (res[q] <= tol_abs()) {
        pass.push_back(cands[q]);
        pass_cols.push_back(q);
        pres.push_back(res[q]);
      }
    return rebuild(pass, pres, pass_cols);
  }

  // Thick restart: locks the verified pairs (Ritz pairs `lock`, columns `lock_cols` of the
  // request block) and keeps the leading unlocked Ritz vectors.
  bool rebuild(const std::vector<std::size_t>& lock, const std::vector<double>& lres,
               const std::vector<std::size_t>& lock_cols) {
    for (std::size_t q = 0; q < lock.size(); ++q) {
      lock_val.push_back(fact->ritz_values()[lock[q]]);
      lock_res.push_back(lres[q]);
    }
    const std::size_t l = locked() + lock.size();
    std::vector<std::size_t> keep;
    if (l < plan.k) {
      for (std::size_t i = 0; i < nsel; ++i)
        if (std::find(lock.begin(), lock.end(), i) == lock.end()) keep.push_back(i);
      keep.resize(policy.kept(keep.size(), plan.k - l, l));
    }
    fact->set_locked_values(lock_val);
    fact->restart(fact->input(), cands.size(), lock_cols, keep);
    if (l >= plan.k) return finish();
    return request_extend();
  }

  std::size_t converged_count() const {
    if (plan.dense) {
      if (stage != Stage::Done) return 0;
      std::size_t cnt = 0;
      for (double r : dense.residuals) cnt += r <= tol_abs();
      return cnt;
    }
    return locked();
  }
};

EigshSolver::EigshSolver(std::size_t n, EigshOptions o, EigshProfile* profile) : s_(new State) {
  std::unique_ptr<State> guard(s_);
  s_->profile = profile;
  s_->plan = plan_eigsh(n, o);
  s_->v0 = std::move(o.v0);
  s_->defl = std::move(o.deflate);
  guard.release();
}

EigshSolver::~EigshSolver() { delete s_; }

bool EigshSolver::step() {
  State& s = *s_;
  switch (s.stage) {
    case State::Stage::Init: return s.init();
    case State::Stage::Dense: return s.finish_dense();
    case State::Stage::Deflate: return s.finish_deflate();
    case State::Stage::Extend: return s.finish_extend();
    case State::Stage::Verify: return s.finish_verify();
    case State::Stage::Collect:
      s.device->collected(s.cols);
      return s.finish();
    case State::Stage::Done: return false;
  }
  return false;
}

const double* EigshSolver::input() const { return s_->input(); }
double* EigshSolver::input() { return s_->input(); }
double* EigshSolver::output() { return s_->output(); }
std::size_t EigshSolver::columns() const { return s_->cols; }
std::size_t EigshSolver::block_size() const { return s_->plan.dense ? 0 : s_->plan.block; }
std::size_t EigshSolver::basis_size() const { return s_->plan.dense ? 0 : s_->plan.basis; }

EigshRequestKind EigshSolver::kind() const {
  switch (s_->stage) {
    case State::Stage::Deflate: return EigshRequestKind::Lock;
    case State::Stage::Extend: return EigshRequestKind::Extend;
    case State::Stage::Verify: return EigshRequestKind::Verify;
    case State::Stage::Collect: return EigshRequestKind::Collect;
    default: return EigshRequestKind::Product;
  }
}

const EigshDeviceRequest* EigshSolver::device_request() const {
  static const EigshDeviceRequest kNone;  // before the factorization exists, and on the dense path
  if (!s_->plan.device) return nullptr;
  return s_->device ? &s_->device->request() : &kNone;
}

double* EigshSolver::device_coefficients() { return s_->device ? s_->device->coefficients() : nullptr; }
std::size_t EigshSolver::device_coefficient_count() const {
  return s_->device ? s_->device->coefficient_count() : 0;
}
std::size_t EigshSolver::n() const { return s_->plan.n; }
std::size_t EigshSolver::iterations() const { return s_->iterations; }
std::size_t EigshSolver::converged() const { return s_->converged_count(); }
double EigshSolver::max_residual() const { return s_->maxres; }
bool EigshSolver::finished() const { return s_->stage == State::Stage::Done; }

EigshResult EigshSolver::result(bool aborted) const {
  const State& s = *s_;
  const std::size_t n = s.plan.n, k = s.plan.k;
  EigshResult r;
  r.n = n;
  r.matvecs = s.matvecs;
  r.iterations = s.iterations;
  r.norm = s.norm_used();
  r.max_residual = s.maxres;
  r.block_size = s.plan.dense ? 0 : s.plan.block;
  r.basis_size = s.plan.dense ? 0 : s.plan.basis;
  r.dense = s.plan.dense;
  std::vector<double> val, res;
  std::vector<const double*> src;
  std::size_t stride = 0;
  if (s.plan.dense) {
    if (s.stage == State::Stage::Done)
      for (std::size_t q = 0; q < s.dense.values.size(); ++q)
        if (s.dense.residuals[q] <= s.tol_abs()) {
          val.push_back(s.dense.values[q]);
          res.push_back(s.dense.residuals[q]);
          src.push_back(s.dense.vectors.data() + q);
        }
    stride = k;
  } else if (s.fact && !(s.device && s.stage != State::Stage::Done)) {
    // (A device basis's vectors are here only once collected: none before.)
    for (std::size_t q = 0; q < s.locked() && q < s.lock_val.size(); ++q) {
      val.push_back(s.lock_val[q]);
      res.push_back(s.lock_res[q]);
      src.push_back(s.fact->column(q));
    }
    stride = s.fact->column_stride();
  }
  std::vector<std::size_t> order(val.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t z) { return val[a] > val[z]; });
  if (order.size() > k) order.resize(k);
  r.count = order.size();
  r.values.resize(r.count);
  r.residuals.resize(r.count);
  r.vectors.assign(n * r.count, 0.0);
  for (std::size_t q = 0; q < r.count; ++q) {
    r.values[q] = val[order[q]];
    r.residuals[q] = res[order[q]];
    const double* v = src[order[q]];
    for (std::size_t i = 0; i < n; ++i) r.vectors[i * r.count + q] = v[i * stride];
  }
  r.status = aborted ? EigshStatus::Aborted : r.count == k ? EigshStatus::Converged : EigshStatus::NotConverged;
  return r;
}

namespace {

// SPECLIN_EIGSH_TRACE=1 prints where a solve spent its time (stderr), for profiling.
void trace(const EigshResult& r) {
  if (!std::getenv("SPECLIN_EIGSH_TRACE")) return;
  const EigshProfile& p = r.profile;
  std::fprintf(stderr,
               "eigsh: %zu matvecs, %zu iterations; products %.3f s, project %.3f s (%zu blocks, %zu against the whole "
               "basis, %zu second passes), in-block %.3f s (%zu of %zu CholQR once), analyze %.3f s, restart %.3f s, "
               "verify %.3f s; %zu basis passes reading %zu basis vectors\n",
               r.matvecs, r.iterations, p.products, p.project, p.blocks, p.full_projections, p.second_passes, p.block,
               p.cholqr_once, p.cholqr, p.analyze, p.restart, p.verify, p.basis_passes, p.basis_vectors_read);
}

}  // namespace

EigshResult eigsh(const SymmetricOperator& op, const EigshOptions& options, const EigshProgress& progress,
                  const std::atomic<bool>* abort) {
  EigshOptions o = options;
  if (o.norm_bound <= 0) o.norm_bound = op.norm_bound();
  // The trace lives here, beside the solver: the parts add to it, this loop times the products.
  EigshProfile profile;
  EigshSolver solver(op.size(), std::move(o), &profile);
  std::size_t reported = 0;
  auto done = [&](bool aborted) {
    EigshResult r = solver.result(aborted);
    r.profile = profile;
    trace(r);
    return r;
  };
  bool more = solver.step();
  while (more) {
    if (abort && abort->load(std::memory_order_relaxed)) return done(true);
    {
      PhaseTimer timer(&profile.products);
      op.multiply(solver.input(), solver.output(), solver.columns());
    }
    more = solver.step();
    if (progress && solver.iterations() != reported) {
      reported = solver.iterations();
      progress(reported, solver.converged(), solver.max_residual());
    }
  }
  return done(false);
}

DenseSymmetricOperator::DenseSymmetricOperator(std::size_t n, const double* A) : n_(n), a_(A, A + n * n) {}

void DenseSymmetricOperator::multiply(const double* X, double* Y, std::size_t columns) const {
  gemm<double>(Trans::No, Trans::No, n_, columns, n_, 1.0, a_.data(), n_, X, columns, 0.0, Y, columns);
}

}  // namespace speclin
