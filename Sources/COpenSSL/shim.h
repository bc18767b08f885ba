#ifndef NEX_COPENSSL_SHIM_H
#define NEX_COPENSSL_SHIM_H
// Static inline wrappers for the OpenSSL macros Swift cannot import. Nothing else lives here.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

// SSL_OP_* are uint64_t casts in 3.0 and do not import.
static const uint64_t nex_SSL_OP_NO_TICKET = SSL_OP_NO_TICKET;
static const uint64_t nex_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;

// X509_NAME_print_ex flags: RFC 2253 one-line form, but UTF-8 kept as is (no \\XX escapes).
static const unsigned long nex_XN_FLAG_RFC2253_UTF8 = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;

static inline int nex_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int nex_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

static inline long nex_SSL_CTX_set_mode_defaults(SSL_CTX *ctx) {
    return SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
        | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
}

/// Adds `x509` to the context's chain; the context takes its own reference.
static inline int nex_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *x509) {
    return (int)SSL_CTX_add1_chain_cert(ctx, x509);
}

static inline long nex_SSL_CTX_disable_session_cache(SSL_CTX *ctx) {
    return SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

static inline int nex_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

// sk_X509_REVOKED_* are function-like macros in 3.0.
static inline int nex_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *stack) {
    return sk_X509_REVOKED_num(stack);
}

static inline X509_REVOKED *nex_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *stack, int index) {
    return sk_X509_REVOKED_value(stack, index);
}

// sk_X509_* likewise.
static inline int nex_sk_X509_num(const STACK_OF(X509) *stack) {
    return sk_X509_num(stack);
}

static inline X509 *nex_sk_X509_value(const STACK_OF(X509) *stack, int index) {
    return sk_X509_value(stack, index);
}

static inline void nex_OPENSSL_free(void *pointer) {
    OPENSSL_free(pointer);
}

#endif
