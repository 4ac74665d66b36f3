// libcurl, opened with dlopen() the first time a transfer is needed instead of linked: dnsd embeds
// the probe engine, and a dnsd whose checks are done by remote probers, or that has no HTTP
// check, would otherwise carry libcurl's dependency tree (GnuTLS, Kerberos, LDAP, libssh2, RTMP
// and their initialisers: about 4 MB resident) without ever using it.
#pragma once

#include <curl/curl.h>

#include <string>

namespace nines::probers::detail {

// The libcurl entry points the prober uses, resolved from libcurl.so.4.
struct CurlLibrary {
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_multi_init) multi_init;
  decltype(&::curl_multi_cleanup) multi_cleanup;
  decltype(&::curl_multi_add_handle) multi_add_handle;
  decltype(&::curl_multi_remove_handle) multi_remove_handle;
  decltype(&::curl_multi_perform) multi_perform;
  decltype(&::curl_multi_poll) multi_poll;
  decltype(&::curl_multi_info_read) multi_info_read;
  decltype(&::curl_multi_wakeup) multi_wakeup;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
};

// Loads libcurl and runs curl_global_init() once per process, on the first call from any thread;
// never unloaded. nullptr when it cannot be loaded, with the reason in `error` ("libcurl.so.4:
// cannot open shared object file ...") for the caller to report as its check's or send's failure.
const CurlLibrary* curlLibrary(std::string* error = nullptr);

}  // namespace nines::probers::detail
