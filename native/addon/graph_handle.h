// How a Graph or BipartiteGraph lives behind its JS object: an External holding shared pointers
// to the immutable native graph (float32 or float64, exactly one set). Operators made from it
// share ownership, so the graph stays alive while an operator or an async call still needs it.
#pragma once
#include <memory>

#include "../core/graph.h"
#include "common.h"

namespace speclin::addon {

struct GraphHandle {
  std::shared_ptr<const Graph<float>> f32;
  std::shared_ptr<const Graph<double>> f64;
  Dtype dtype() const { return f32 ? Dtype::F32 : Dtype::F64; }
  std::size_t size() const { return f32 ? f32->size() : f64->size(); }
};

struct BipartiteHandle {
  std::shared_ptr<const BipartiteGraph<float>> f32;
  std::shared_ptr<const BipartiteGraph<double>> f64;
  Dtype dtype() const { return f32 ? Dtype::F32 : Dtype::F64; }
  std::size_t left() const { return f32 ? f32->forward.rows : f64->forward.rows; }
  std::size_t right() const { return f32 ? f32->forward.cols : f64->forward.cols; }
};

// The handle of a Graph argument (`what` names it): the JS Graph object itself (its `_handle`
// property) or the External. TypeError if it is neither.
const GraphHandle& graph_handle(Napi::Value v, const char* what);
const BipartiteHandle& bipartite_handle(Napi::Value v, const char* what);

}  // namespace speclin::addon
