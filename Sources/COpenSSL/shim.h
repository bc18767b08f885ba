#ifndef NEX_COPENSSL_SHIM_H
#define NEX_COPENSSL_SHIM_H
// Static inline wrappers for the OpenSSL macros Swift cannot import. Nothing else lives here.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>

#endif
