// The one way the project includes ldns: <ldns/ldns.h> defines `bool` as a macro in C++ unless
// <stdbool.h> has been seen first.
#pragma once

#include <stdbool.h>  // NOLINT(modernize-deprecated-headers): must precede ldns
#include <ldns/ldns.h>
