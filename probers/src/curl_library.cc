#include "curl_library.h"

#include <dlfcn.h>

#include <mutex>

namespace nines::probers::detail {

namespace {

struct Loaded {
  CurlLibrary library{};
  bool ok = false;
  std::string error;
};

template <typename Function>
void resolve(void* handle, const char* name, Function& function, std::string& error) {
  function = reinterpret_cast<Function>(dlsym(handle, name));
  if (!function && error.empty()) error = std::string("libcurl.so.4 lacks ") + name;
}

Loaded load() {
  Loaded loaded;
  // The soname of libcurl 7 and 8 alike (Debian's libcurl4 package).
  void* handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* reason = dlerror();
    loaded.error = reason ? reason : "libcurl.so.4 cannot be loaded";
    return loaded;
  }
  CurlLibrary& c = loaded.library;
  std::string& e = loaded.error;
  resolve(handle, "curl_easy_init", c.easy_init, e);
  resolve(handle, "curl_easy_setopt", c.easy_setopt, e);
  resolve(handle, "curl_easy_getinfo", c.easy_getinfo, e);
  resolve(handle, "curl_easy_perform", c.easy_perform, e);
  resolve(handle, "curl_easy_cleanup", c.easy_cleanup, e);
  resolve(handle, "curl_easy_strerror", c.easy_strerror, e);
  resolve(handle, "curl_multi_init", c.multi_init, e);
  resolve(handle, "curl_multi_cleanup", c.multi_cleanup, e);
  resolve(handle, "curl_multi_add_handle", c.multi_add_handle, e);
  resolve(handle, "curl_multi_remove_handle", c.multi_remove_handle, e);
  resolve(handle, "curl_multi_perform", c.multi_perform, e);
  resolve(handle, "curl_multi_poll", c.multi_poll, e);
  resolve(handle, "curl_multi_info_read", c.multi_info_read, e);
  resolve(handle, "curl_multi_wakeup", c.multi_wakeup, e);
  resolve(handle, "curl_slist_append", c.slist_append, e);
  resolve(handle, "curl_slist_free_all", c.slist_free_all, e);
  decltype(&::curl_global_init) global_init = nullptr;
  resolve(handle, "curl_global_init", global_init, e);
  if (!e.empty()) return loaded;
  if (CURLcode code = global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
    loaded.error = "curl_global_init failed: " + std::string(c.easy_strerror(code));
    return loaded;
  }
  loaded.ok = true;
  return loaded;
}

}  // namespace

const CurlLibrary* curlLibrary(std::string* error) {
  static const Loaded loaded = load();  // thread-safe, once
  if (!loaded.ok) {
    if (error) *error = loaded.error;
    return nullptr;
  }
  return &loaded.library;
}

}  // namespace nines::probers::detail
