// Bindings of the search index (createIndex): a native store of the keys, flat or as inverted
// lists, behind a tagged External. The stored data are immutable snapshots: add() builds a new
// snapshot on a worker from the old one and the new keys, and swaps it in on the main thread, so
// a search already running keeps reading the snapshot it started with.
//   searchIndexCreate(keys, { kind, nlist, iterations, seed, centroids? }, cancelToken) -> Promise<handle | null>
//   searchIndexAdd(handle, keys) -> Promise<void>
//   searchIndexSearch(handle, queries, k, nprobe, cancelToken) -> Promise<{ indices, scores, rows, k } | null>
//   searchIndexSearchSync(handle, queries, k, nprobe) -> { indices, scores, rows, k }
//   searchIndexKeys(handle), searchIndexCentroids(handle), searchIndexInfo(handle)
//   searchIndexListIds(handle) -> Int32Array | null: ivf, the ids list by list (list 0's in id
//     order, then list 1's, ...; the sizes are Info's listSizes), for a copy of the lists elsewhere
// null: the cancel token was set (the TypeScript side raises the AbortError).
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "../core/ivf.h"
#include "../core/kmeans.h"
#include "../core/finite.h"
#include "../core/topk.h"
#include "common.h"
#include "eigsh_options.h"
#include "handles.h"

namespace speclin::addon {
namespace {

constexpr napi_type_tag kIndexTag = {0x7370656c696e4978ULL, 0x6e64657800000007ULL};

template <typename T>
struct IndexData {
  std::size_t d = 0;
  std::vector<T> keys;                      // flat: size x d
  std::optional<InvertedLists<T>> lists;    // ivf
  std::size_t size() const { return lists ? lists->size : keys.size() / d; }
  std::size_t bytes() const { return lists ? lists->bytes() : keys.capacity() * sizeof(T); }
};

struct IndexHandle {
  std::shared_ptr<const IndexData<float>> f32;
  std::shared_ptr<const IndexData<double>> f64;
  Dtype dtype() const { return f32 ? Dtype::F32 : Dtype::F64; }
  std::size_t dim() const { return f32 ? f32->d : f64->d; }
  std::size_t size() const { return f32 ? f32->size() : f64->size(); }
  bool ivf() const { return f32 ? f32->lists.has_value() : f64->lists.has_value(); }
};

IndexHandle& handle_of(Napi::Value v) {
  if (!v.IsExternal()) throw_type("the index handle is not one made by searchIndexCreate");
  auto ext = v.As<Napi::External<IndexHandle>>();
  if (!ext.CheckTypeTag(&kIndexTag)) throw_type("the index handle is not one made by searchIndexCreate");
  return *ext.Data();
}

Napi::Value to_handle(Napi::Env env, IndexHandle h) {
  return make_handle(env, std::move(h), &kIndexTag);
}

std::size_t option_size(Napi::Object o, const char* key, std::size_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  return read_size(v, key);
}

void check_finite_keys(const void* data, const MatrixView& m) {
  std::size_t bad = m.dtype == Dtype::F32 ? first_non_finite_row(static_cast<const float*>(data), m.rows, m.cols)
                                          : first_non_finite_row(static_cast<const double*>(data), m.rows, m.cols);
  if (bad < m.rows) throw_range(std::string(m.name) + " row " + std::to_string(bad) + " contains NaN or Infinity");
}

struct CreateOptions {
  bool ivf = false;
  KmeansOptions kmeans;
  std::optional<MatrixView> centroids;  // given: no training (an index being loaded)
};

template <typename T>
std::shared_ptr<IndexData<T>> build(const T* keys, std::size_t n, std::size_t d, const CreateOptions& opt,
                                    const T* centroids, const std::atomic<bool>* cancel) {
  auto data = std::make_shared<IndexData<T>>();
  data->d = d;
  if (!opt.ivf) {
    data->keys.assign(keys, keys + n * d);
    return data;
  }
  std::vector<T> C(opt.kmeans.nlist * d);
  if (centroids) std::copy(centroids, centroids + C.size(), C.begin());
  else if (!train_centroids(keys, n, d, opt.kmeans, C.data(), cancel)) return nullptr;
  data->lists.emplace(d, std::move(C));
  data->lists->add(keys, n);
  return data;
}

Napi::Value Create(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[1].IsObject()) throw_type("searchIndexCreate(keys, options): options must be an object");
    MatrixView keys = read_matrix(info[0], "keys", false);
    Napi::Object o = info[1].As<Napi::Object>();
    CreateOptions opt;
    std::string kind = o.Get("kind").IsString() ? o.Get("kind").As<Napi::String>().Utf8Value() : "";
    if (kind != "flat" && kind != "ivf") throw_range("kind must be 'flat' or 'ivf'");
    opt.ivf = kind == "ivf";
    if (opt.ivf) {
      opt.kmeans.nlist = option_size(o, "nlist", 0);
      opt.kmeans.iterations = option_size(o, "iterations", opt.kmeans.iterations);
      opt.kmeans.seed = option_size(o, "seed", 0);
      if (opt.kmeans.nlist < 1) throw_range("nlist must be an integer >= 1");
      if (!o.Get("centroids").IsUndefined()) {
        MatrixView c = read_matrix(o.Get("centroids"), "centroids", false);
        if (c.dtype != keys.dtype) throw_type("centroids must have the keys' dtype");
        if (c.cols != keys.cols || c.rows != opt.kmeans.nlist)
          throw_range("centroids must be nlist x dim = " + std::to_string(opt.kmeans.nlist) + " x " + std::to_string(keys.cols));
        opt.centroids = c;
      } else if (opt.kmeans.nlist > keys.rows) {
        throw_range("nlist = " + std::to_string(opt.kmeans.nlist) + " exceeds the number of keys (" +
                    std::to_string(keys.rows) + "); k-means needs at least one key per list");
      }
    }
    if (keys.rows > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw_range("keys has more rows than Int32 ids can address");
    CancelFlag flag = cancel_flag_of(info.Length() > 2 ? info[2] : info.Env().Undefined());
    auto k = std::make_shared<Buffer>(Buffer::copy_of(keys));
    check_finite_keys(k->data(), keys);
    std::shared_ptr<Buffer> c = opt.centroids ? std::make_shared<Buffer>(Buffer::copy_of(*opt.centroids)) : nullptr;
    if (c) check_finite_keys(c->data(), *opt.centroids);
    auto out = std::make_shared<IndexHandle>();
    std::size_t n = keys.rows, d = keys.cols;
    Dtype dtype = keys.dtype;
    return run_async(
        info.Env(), "searchIndexCreate",
        [=] {
          if (dtype == Dtype::F32) out->f32 = build<float>(k->as<float>(), n, d, opt, c ? c->as<float>() : nullptr, flag.get());
          else out->f64 = build<double>(k->as<double>(), n, d, opt, c ? c->as<double>() : nullptr, flag.get());
        },
        [=](Napi::Env env) -> Napi::Value {
          if (!out->f32 && !out->f64) return env.Null();
          return to_handle(env, *out);
        });
  });
}

template <typename T>
std::shared_ptr<const IndexData<T>> appended(const IndexData<T>& old, const T* X, std::size_t n) {
  auto next = std::make_shared<IndexData<T>>(old);
  if (next->lists) next->lists->add(X, n);
  else next->keys.insert(next->keys.end(), X, X + n * old.d);
  return next;
}

Napi::Value Add(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    IndexHandle& h = handle_of(info[0]);
    MatrixView keys = read_matrix(info[1], "keys", false);
    if (keys.dtype != h.dtype())
      throw_type(std::string("add: keys are ") + dtype_name(keys.dtype) + " but the index holds " + dtype_name(h.dtype()));
    if (keys.cols != h.dim())
      throw_range("add: keys have " + std::to_string(keys.cols) + " columns but the index holds keys of dimension " +
                  std::to_string(h.dim()));
    if (h.size() + keys.rows > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw_range("add: the index would hold more keys than Int32 ids can address");
    auto k = std::make_shared<Buffer>(Buffer::copy_of(keys));
    check_finite_keys(k->data(), keys);
    IndexHandle snapshot = h;
    auto next = std::make_shared<IndexHandle>();
    std::size_t n = keys.rows;
    // The handle lives as long as its External, which the Promise's caller holds (the index
    // object); `target` is re-read on completion through the External kept in a reference.
    auto ref = std::make_shared<Napi::Reference<Napi::Value>>(Napi::Persistent(info[0]));
    return run_async(
        info.Env(), "searchIndexAdd",
        [=] {
          if (snapshot.f32) next->f32 = appended(*snapshot.f32, k->as<float>(), n);
          else next->f64 = appended(*snapshot.f64, k->as<double>(), n);
        },
        [=](Napi::Env env) -> Napi::Value {
          handle_of(ref->Value()) = *next;
          return env.Undefined();
        });
  });
}

struct SearchArgs {
  MatrixView q;
  std::size_t k = 0, nprobe = 0;
};

SearchArgs read_search(const Napi::CallbackInfo& info, const IndexHandle& h) {
  SearchArgs a;
  a.q = read_matrix(info[1], "queries", false);
  if (a.q.dtype != h.dtype())
    throw_type(std::string("search: queries are ") + dtype_name(a.q.dtype) + " but the index holds " +
               dtype_name(h.dtype()) + " keys; both must have the same dtype");
  if (a.q.cols != h.dim())
    throw_range("search: queries have " + std::to_string(a.q.cols) + " columns but the index holds keys of dimension " +
                std::to_string(h.dim()));
  if (!info[2].IsNumber()) throw_type("search: k must be a number");
  double k = info[2].As<Napi::Number>().DoubleValue();
  if (!(k >= 1) || k != std::floor(k)) throw_range("search: k must be an integer >= 1, got " + number_text(k));
  // Compared as a double before any conversion: casting Infinity or 1e300 to an integer is
  // undefined behaviour.
  if (k > static_cast<double>(h.size()))
    throw_range("search: k = " + number_text(k) +
                " exceeds the number of keys in the index (" + std::to_string(h.size()) + ")");
  a.k = static_cast<std::size_t>(k);
  a.nprobe = h.ivf() ? read_size(info[3], "nprobe") : 0;
  checked_mul(a.q.rows, a.k, "the result");
  return a;
}

// false: cancelled.
template <typename T>
bool run_search(const IndexData<T>& data, const T* Q, const SearchArgs& a, std::int32_t* idx, T* scores,
                const std::atomic<bool>* cancel) {
  if (data.lists) {
    std::size_t bad = first_non_finite_row(Q, a.q.rows, data.d);
    if (bad < a.q.rows) throw_range("search: queries row " + std::to_string(bad) + " contains NaN or Infinity");
    return ivf_search(*data.lists, Q, a.q.rows, a.k, a.nprobe, idx, scores, cancel);
  }
  if (cancel && cancel->load()) return false;
  top_k(Q, a.q.rows, data.keys.data(), data.size(), data.d, a.k, idx, scores);
  return true;
}

Napi::Value SearchSync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const IndexHandle& h = handle_of(info[0]);
    SearchArgs a = read_search(info, h);
    Napi::Env env = info.Env();
    std::size_t n = a.q.rows * a.k;
    Indices idx(n);
    Napi::TypedArray scores = new_typed_array(env, a.q.dtype, n, "the scores");
    if (h.f32) run_search(*h.f32, a.q.as<float>(), a, idx.p, static_cast<float*>(typed_array_data(scores)), nullptr);
    else run_search(*h.f64, a.q.as<double>(), a, idx.p, static_cast<double*>(typed_array_data(scores)), nullptr);
    return top_k_result(env, idx.to_js(env), scores, a.q.rows, a.k);
  });
}

Napi::Value Search(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    IndexHandle h = handle_of(info[0]);  // a snapshot: an add() that completes meanwhile is not seen
    SearchArgs a = read_search(info, h);
    CancelFlag flag = cancel_flag_of(info.Length() > 4 ? info[4] : info.Env().Undefined());
    auto q = std::make_shared<Buffer>(Buffer::copy_of(a.q));
    std::size_t n = a.q.rows * a.k;
    auto idx = std::make_shared<Indices>(n);
    auto scores = std::make_shared<Buffer>(a.q.dtype, n);
    auto done = std::make_shared<bool>(false);
    return run_async(
        info.Env(), "searchIndexSearch",
        [=] {
          *done = h.f32 ? run_search(*h.f32, q->as<float>(), a, idx->p, scores->as<float>(), flag.get())
                        : run_search(*h.f64, q->as<double>(), a, idx->p, scores->as<double>(), flag.get());
        },
        [=](Napi::Env env) -> Napi::Value {
          if (!*done) return env.Null();
          return top_k_result(env, idx->to_js(env), scores->to_js(env), a.q.rows, a.k);
        });
  });
}

Napi::Value Keys(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const IndexHandle& h = handle_of(info[0]);
    std::size_t count = checked_mul(h.size(), h.dim(), "the keys");
    Napi::TypedArray out = new_typed_array(info.Env(), h.dtype(), count, "the keys");
    void* p = typed_array_data(out);
    if (h.f32) {
      if (h.f32->lists) h.f32->lists->gather_keys(static_cast<float*>(p));
      else std::copy(h.f32->keys.begin(), h.f32->keys.end(), static_cast<float*>(p));
    } else {
      if (h.f64->lists) h.f64->lists->gather_keys(static_cast<double*>(p));
      else std::copy(h.f64->keys.begin(), h.f64->keys.end(), static_cast<double*>(p));
    }
    return out;
  });
}

Napi::Value Centroids(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const IndexHandle& h = handle_of(info[0]);
    if (!h.ivf()) return info.Env().Null();
    std::size_t count = h.f32 ? h.f32->lists->centroids.size() : h.f64->lists->centroids.size();
    Napi::TypedArray out = new_typed_array(info.Env(), h.dtype(), count, "the centroids");
    void* p = typed_array_data(out);
    if (h.f32) std::copy(h.f32->lists->centroids.begin(), h.f32->lists->centroids.end(), static_cast<float*>(p));
    else std::copy(h.f64->lists->centroids.begin(), h.f64->lists->centroids.end(), static_cast<double*>(p));
    return out;
  });
}

template <typename T>
Napi::Value list_ids(Napi::Env env, const InvertedLists<T>& l) {
  Napi::Int32Array out = Napi::Int32Array::New(env, l.size);
  std::size_t at = 0;
  for (std::size_t c = 0; c < l.nlist; ++c)
    for (std::int32_t id : l.ids[c]) out[at++] = id;
  return out;
}

Napi::Value ListIds(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const IndexHandle& h = handle_of(info[0]);
    if (!h.ivf()) return info.Env().Null();
    return h.f32 ? list_ids(info.Env(), *h.f32->lists) : list_ids(info.Env(), *h.f64->lists);
  });
}

template <typename T>
void describe(Napi::Object o, const IndexData<T>& data) {
  Napi::Env env = o.Env();
  o.Set("bytes", Napi::Number::New(env, static_cast<double>(data.bytes())));
  if (!data.lists) return;
  const InvertedLists<T>& l = *data.lists;
  o.Set("nlist", Napi::Number::New(env, static_cast<double>(l.nlist)));
  o.Set("centroidBytes", Napi::Number::New(env, static_cast<double>(l.centroids.size() * sizeof(T))));
  Napi::Int32Array sizes = Napi::Int32Array::New(env, l.nlist);
  for (std::size_t c = 0; c < l.nlist; ++c) sizes[c] = static_cast<std::int32_t>(l.ids[c].size());
  o.Set("listSizes", sizes);
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const IndexHandle& h = handle_of(info[0]);
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("size", Napi::Number::New(info.Env(), static_cast<double>(h.size())));
    o.Set("dim", Napi::Number::New(info.Env(), static_cast<double>(h.dim())));
    o.Set("dtype", Napi::String::New(info.Env(), dtype_name(h.dtype())));
    o.Set("kind", Napi::String::New(info.Env(), h.ivf() ? "ivf" : "flat"));
    if (h.f32) describe(o, *h.f32);
    else describe(o, *h.f64);
    return o;
  });
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("searchIndexCreate", Napi::Function::New(env, Create, "searchIndexCreate"));
  exports.Set("searchIndexAdd", Napi::Function::New(env, Add, "searchIndexAdd"));
  exports.Set("searchIndexSearch", Napi::Function::New(env, Search, "searchIndexSearch"));
  exports.Set("searchIndexSearchSync", Napi::Function::New(env, SearchSync, "searchIndexSearchSync"));
  exports.Set("searchIndexKeys", Napi::Function::New(env, Keys, "searchIndexKeys"));
  exports.Set("searchIndexCentroids", Napi::Function::New(env, Centroids, "searchIndexCentroids"));
  exports.Set("searchIndexInfo", Napi::Function::New(env, Info, "searchIndexInfo"));
  exports.Set("searchIndexListIds", Napi::Function::New(env, ListIds, "searchIndexListIds"));
}

}  // namespace
SPECLIN_REGISTER(Init);
}  // namespace speclin::addon
