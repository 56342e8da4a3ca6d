// Concurrent callers of the core, for ThreadSanitizer (scripts/thread-sanitizer.mjs builds this
// file and the core with -fsanitize=thread and runs it; `npm run test:tsan`, and .ci/run).
//
// Every kernel that uses the thread pool is called from several threads at once, as the addon's
// AsyncWorkers and worker_threads do, on shared read-only inputs (one graph, one operator) and on
// outputs of their own. Each result must be bit-identical to the same call made alone before the
// stress: the pool's chunking is static for a given thread count, so concurrency must change
// nothing. A second phase changes the thread count while calls run (a benign setting, but it must
// not race). Prints "ok" and exits 0; any mismatch exits 1; TSan's reports exit 66.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "eigsh.h"
#include "gram.h"
#include "graph.h"
#include "normalized_adjacency.h"
#include "population_loss.h"
#include "spectral_loss.h"
#include "svds.h"
#include "thread_pool.h"
#include "topk.h"

using namespace speclin;

namespace {

std::atomic<int> g_failures{0};

void fail(const std::string& what) {
  std::fprintf(stderr, "mismatch: %s\n", what.c_str());
  g_failures.fetch_add(1);
}

template <typename T>
void expect_same(const std::vector<T>& got, const std::vector<T>& want, const std::string& what) {
  if (got.size() != want.size() || std::memcmp(got.data(), want.data(), got.size() * sizeof(T)) != 0) fail(what);
}

// Deterministic pseudo-random data (no shared state: each call makes its own).
std::vector<double> values(std::size_t n, std::uint64_t seed) {
  std::vector<double> v(n);
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& x : v) {
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    x = static_cast<double>(s >> 11) / 9007199254740992.0 - 0.5;
  }
  return v;
}
template <typename T>
std::vector<T> as(const std::vector<double>& v) { return std::vector<T>(v.begin(), v.end()); }

// A ring with chords: connected, every degree 4 or more.
struct Edges { std::vector<std::int32_t> row, col; std::vector<double> w; };
Edges ring_with_chords(std::size_t n) {
  Edges e;
  auto add = [&](std::size_t i, std::size_t j, double w) {
    e.row.push_back(static_cast<std::int32_t>(i)); e.col.push_back(static_cast<std::int32_t>(j)); e.w.push_back(w);
    e.row.push_back(static_cast<std::int32_t>(j)); e.col.push_back(static_cast<std::int32_t>(i)); e.w.push_back(w);
  };
  for (std::size_t i = 0; i < n; ++i) {
    add(i, (i + 1) % n, 1.0 + static_cast<double>(i % 3));
    add(i, (i * 7 + 3) % n, 0.5);
  }
  return e;
}
CooView coo_of(const Edges& e) {
  CooView c;
  c.count = e.row.size(); c.row = e.row.data(); c.col = e.col.data(); c.w64 = e.w.data();
  return c;
}

constexpr std::size_t kNodes = 1500;
constexpr std::size_t kRows = 96, kCols = 40;  // Gram / loss / top-k operands

// One of each kernel family; returns its outputs flattened to doubles, compared bit for bit.
struct Results {
  std::vector<float> gram32;
  std::vector<double> gram64, loss, topk_scores, spmv, eig, svd, degrees, pop, tall;
  std::vector<std::int32_t> topk_idx;
};

Results run_all(const std::shared_ptr<const Graph<double>>& graph, const NormalizedAdjacency<double>& op,
                const NormalizedBiadjacency<double>& biop, std::uint64_t seed) {
  Results r;
  auto z = values(kRows * kCols, seed), w = values(kRows * kCols, seed + 1);
  auto z32 = as<float>(z);
  r.gram32.resize(kRows * kRows);
  gram<float>(z32.data(), r.gram32.data(), 1, kRows, kCols);
  r.gram64.resize(kRows * kRows);
  gram<double>(z.data(), r.gram64.data(), 1, kRows, kCols);

  // The tall-skinny products with enough rows to be split over the pool (12 parts) and to run
  // threaded: Z^T W, then W - Z H (rows split).
  {
    constexpr std::size_t n = 6000, a = 24, b = 20;
    auto tz = values(n * a, seed + 5), tw = values(n * b, seed + 6);
    r.tall.resize(a * b);
    tall_skinny_inner<double, double, double>(n, a, b, 1.0, tz.data(), a, tw.data(), b, 0.0, r.tall.data(), b);
    tall_skinny_update<double, double, double>(n, a, b, -1.0, tz.data(), a, r.tall.data(), b, 1.0, tw.data(), b);
    r.tall.insert(r.tall.end(), tw.begin(), tw.end());
  }

  std::vector<double> gz(kRows * kCols), gw(kRows * kCols);
  SpectralLossOptions lo;
  auto l = spectral_loss<double>(z.data(), w.data(), kRows, kCols, lo, gz.data(), gw.data());
  r.loss = gz;
  r.loss.push_back(l.loss);

  const std::size_t k = 5;
  r.topk_idx.resize(kRows * k);
  r.topk_scores.resize(kRows * k);
  top_k<double>(z.data(), kRows, w.data(), kRows, kCols, k, r.topk_idx.data(), r.topk_scores.data());

  auto x = values(kNodes * 3, seed + 2);
  r.spmv.resize(kNodes * 3);
  op.multiply(x.data(), r.spmv.data(), 3);

  auto e = values(kNodes * 4, seed + 3);
  r.pop.resize(kNodes * 4);
  r.pop.push_back(population_loss<double>(*graph, e.data(), 4, r.pop.data()));

  EigshOptions eo;
  eo.k = 4;
  eo.tol = 1e-9;
  eo.seed = 7;
  eo.method = EigshOptions::Method::Lanczos;
  // A few restarts' worth of iterations: every code path of the solver runs, and the unconverged
  // result must still be the same bits in every caller (TSan makes each iteration ~10x slower).
  eo.max_iterations = 24;
  auto eig = eigsh(op, eo);
  r.eig = eig.values;
  r.eig.insert(r.eig.end(), eig.vectors.begin(), eig.vectors.end());

  EigshOptions so = eo;
  so.k = 3;
  auto svd = svds(biop, so);
  r.svd = svd.values;
  r.svd.insert(r.svd.end(), svd.left.begin(), svd.left.end());

  // Construction itself uses the pool (CSR from COO).
  Edges edges = ring_with_chords(kNodes);
  auto g = build_graph<double>(kNodes, coo_of(edges), Symmetrize::None, false);
  r.degrees = g.degrees;
  return r;
}

void compare(const Results& got, const Results& want, const std::string& who) {
  expect_same(got.gram32, want.gram32, who + " gram float32");
  expect_same(got.gram64, want.gram64, who + " gram float64");
  expect_same(got.tall, want.tall, who + " tall-skinny Z^T W and W - Z H");
  expect_same(got.loss, want.loss, who + " spectral loss and gradient");
  expect_same(got.topk_idx, want.topk_idx, who + " topK indices");
  expect_same(got.topk_scores, want.topk_scores, who + " topK scores");
  expect_same(got.spmv, want.spmv, who + " normalized adjacency product");
  expect_same(got.pop, want.pop, who + " population loss");
  expect_same(got.eig, want.eig, who + " eigsh");
  expect_same(got.svd, want.svd, who + " svds");
  expect_same(got.degrees, want.degrees, who + " graph construction");
}

}  // namespace

int main(int argc, char** argv) {
  const int callers = argc > 1 ? std::atoi(argv[1]) : 4;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  set_threads(4);

  Edges edges = ring_with_chords(kNodes);
  auto graph = std::make_shared<const Graph<double>>(build_graph<double>(kNodes, coo_of(edges), Symmetrize::None, false));
  NormalizedAdjacency<double> op(graph);
  // A bipartite graph: left node i joins right nodes i mod 700 and (3i + 1) mod 700.
  Edges bi;
  for (std::size_t i = 0; i < kNodes; ++i) {
    for (std::size_t j : {i % 700, (3 * i + 1) % 700}) {
      bi.row.push_back(static_cast<std::int32_t>(i)); bi.col.push_back(static_cast<std::int32_t>(j)); bi.w.push_back(1.0 + double(i % 5));
    }
  }
  auto bigraph = std::make_shared<const BipartiteGraph<double>>(build_bipartite<double>(kNodes, 700, coo_of(bi), false));
  NormalizedBiadjacency<double> biop(bigraph);

  // Phase 1: each caller's results equal the lone call's, bit for bit.
  std::vector<Results> alone;
  for (int c = 0; c < callers; ++c) alone.push_back(run_all(graph, op, biop, 100 + c));
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      for (int r = 0; r < rounds; ++r) compare(run_all(graph, op, biop, 100 + c), alone[c], "caller " + std::to_string(c));
    });
  }
  for (auto& t : threads) t.join();
  threads.clear();

  // Phase 2: the thread count changes while kernels run (results then may differ: not compared).
  std::atomic<bool> stop{false};
  std::thread setter([&] {
    for (int i = 0; !stop.load(); ++i) {
      set_threads(1 + i % 4);
      std::this_thread::yield();
    }
  });
  for (int c = 0; c < callers; ++c) threads.emplace_back([&, c] { run_all(graph, op, biop, 200 + c); });
  for (auto& t : threads) t.join();
  stop.store(true);
  setter.join();

  if (g_failures.load() != 0) {
    std::printf("%d mismatches\n", g_failures.load());
    return 1;
  }
  std::printf("ok\n");
  return 0;
}
