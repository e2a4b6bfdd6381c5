// CUDA C on the host, as far as the generated elementwise kernels use it: the launch built-ins become
// globals the runner sets before each thread, qualifiers vanish, math comes from <cmath> with the float
// overloads CUDA's device library also has. Barrier-free kernels only (the runner is a plain loop).
#pragma once
#include <cmath>
#define __global__
#define __device__
#define __restrict__ __restrict
struct nr_dim3 { unsigned x, y, z; };
static nr_dim3 blockIdx, threadIdx, blockDim;
struct float2 { float x, y; };
struct double2 { double x, y; };
inline float2 make_float2(float x, float y) { return {x, y}; }
inline double2 make_double2(double x, double y) { return {x, y}; }
inline float __int_as_float(int i) { float f; __builtin_memcpy(&f, &i, sizeof f); return f; }
using std::acos; using std::acosh; using std::asin; using std::asinh; using std::atan; using std::atan2;
using std::atanh; using std::ceil; using std::copysign; using std::cos; using std::cosh; using std::exp;
using std::expm1; using std::fabs; using std::floor; using std::fmod; using std::hypot; using std::isfinite;
using std::isinf; using std::isnan; using std::log; using std::log10; using std::log1p; using std::log2;
using std::nextafter; using std::pow; using std::rint; using std::signbit; using std::sin; using std::sinh;
using std::sqrt; using std::tan; using std::tanh; using std::trunc;
