/* The C API in one program: authenticate a Backstage user token, driving the refresh protocol.
 *
 * A real server would GET the JWKS URL the library asks for (with a timeout) and use the
 * current time; this example answers from memory with the auth backend's JWKS, and judges the
 * token at a fixed time one second after it was issued, so it runs anywhere.
 *
 * Build and run (after building the library, see tests/c/README.md):
 *   cc -std=c11 tests/c/example.c $(pkg-config --cflags --libs backstage_identity) \
 *      -Wl,-rpath,$(pkg-config --variable=libdir backstage_identity) -o example && ./example
 */
#include <stdio.h>
#include <string.h>

#include <backstage_identity.h>

/* A user token minted by Backstage's auth backend (ES256), and the JWKS it publishes. */
static const char TOKEN[] =
    "eyJ0eXAiOiJ2bmQuYmFja3N0YWdlLnVzZXIiLCJhbGciOiJFUzI1NiIsImtpZCI6ImI1ZWViMTFjLWZhN2YtNDFiYi04YjU4"
    "LWEzNGFiNzc0MDliZSJ9.eyJpc3MiOiJodHRwOi8vbG9jYWxob3N0OjcwMDcvYXBpL2F1dGgiLCJzdWIiOiJ1c2VyOmRlZm"
    "F1bHQvYWxpY2UiLCJhdWQiOiJiYWNrc3RhZ2UiLCJpYXQiOjE3OTYzMTM5NzksImV4cCI6MTc5NjMxNzU3OSwidWlwIjoiM0"
    "swNnVmUUllM3BXMVN1TW53Z3F4djZ4NHlkNTU1WHdnaTR1clZJeHAzbmpmZVZjWGx3bDhRbmctWmZWWEVQYWJFZ1h5R0xoek"
    "1ROF9kb3YyVU9KeUEifQ.bOWaAoaP0pZxvh5_8ZrdHSB-z4NjZA8_6Hx4wQPyi_VlsnddIGnaaNq15mvFugKfXA3qIjZeUhDj"
    "ckU_Jkj7bA";
static const char AUTH_JWKS[] =
    "{\"keys\":[{\"alg\":\"ES256\",\"crv\":\"P-256\",\"kid\":\"b5eeb11c-fa7f-41bb-8b58-a34ab77409be\","
    "\"kty\":\"EC\",\"x\":\"dyO_eYucE1qNb-eKcVP2UBYhgBf_BVvNIAmmOgxNf3A\","
    "\"y\":\"jWTw7z1VkM4gHxD5Wu6qng9-E3UgaIRnWE7921fJBOA\"}]}";
static const uint64_t NOW = 1796313980; /* use (uint64_t)time(NULL) in a server */

/* Stands in for Backstage discovery: the base URL of a plugin id. */
static const char *base_url(const char *plugin_id) {
  return strcmp(plugin_id, "auth") == 0 ? "http://localhost:7007/api/auth" : "http://localhost:7007/api/x";
}

/* Stands in for an HTTP GET with a timeout: returns the body, or NULL on any failure. */
static const char *http_get(const char *url) {
  return strcmp(url, "http://localhost:7007/api/auth/.well-known/jwks.json") == 0 ? AUTH_JWKS : NULL;
}

int main(void) {
  const char config[] = "{\"pluginId\":\"catalog\"}";
  bi_authenticator *auth = NULL;
  bi_result *r = NULL;
  if (bi_authenticator_new((const uint8_t *)config, strlen(config), &auth, &r) != BI_OK) {
    fprintf(stderr, "config: %s\n", bi_result_message(r, NULL));
    bi_result_free(r);
    return 1;
  }
  bi_result_free(r);
  r = NULL;

  /* One ring for the whole process, shared by every thread. */
  bi_key_ring *ring = bi_key_ring_new();

  for (int round = 0; round < 5; round++) {
    bi_authenticator_authenticate(auth, ring, (const uint8_t *)TOKEN, strlen(TOKEN), false, NOW, &r);
    if (bi_result_status(r) != BI_STATUS_FETCH_KEYS) break;
    size_t source_len = 0;
    const char *source = bi_result_fetch_source(r, &source_len);
    const char *plugin_id = bi_result_fetch_plugin_id(r, NULL); /* NULL for external sources */
    const char *base = plugin_id != NULL ? base_url(plugin_id) : NULL;
    const char *url = bi_result_fetch_url(r, (const uint8_t *)base, base != NULL ? strlen(base) : 0, NULL);
    printf("fetching %s (%s): %s\n", source, bi_result_fetch_reason(r), url);
    const char *body = http_get(url);
    if (body != NULL)
      bi_key_ring_load(ring, (const uint8_t *)source, source_len, (const uint8_t *)body, strlen(body), NOW,
                       NULL);
    else
      bi_key_ring_fetch_failed(ring, (const uint8_t *)source, source_len, NOW);
    bi_result_free(r);
    r = NULL;
  }

  int status = 0;
  if (bi_result_status(r) == BI_STATUS_OK) {
    int64_t expires_at = 0;
    bi_result_expires_at(r, &expires_at);
    printf("authenticated %s (%s token), expires at %lld\n", bi_result_user_entity_ref(r, NULL),
           bi_result_token_kind(r), (long long)expires_at);
    printf("credentials: %s\n", bi_result_credentials_json(r, NULL));
  } else {
    /* A server answers bi_result_http_status(r): 401, 403, or 500. */
    printf("rejected (%u): %s: %s\n", bi_result_http_status(r), bi_error_code_name(bi_result_code(r)),
           bi_result_message(r, NULL));
    status = 1;
  }
  bi_result_free(r);
  bi_key_ring_free(ring);
  bi_authenticator_free(auth);
  return status;
}
