/* The C side of tests/c/bench.sh: authenticates the real ES256 Backstage user token of vector
 * backstage/001-user-es256-default through the C API (result made, status and user read,
 * result freed), as core/examples/capi_bench.rs does through the core, and prints
 * "c <operations per second>".
 *
 * usage: bench path/to/vectors.json [iterations] */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backstage_identity.h"

static void once(const bi_authenticator *auth, const bi_key_ring *ring, const char *token, size_t len,
                 uint64_t now) {
  bi_result *r = NULL;
  bi_authenticator_authenticate(auth, ring, (const uint8_t *)token, len, false, now, &r);
  if (bi_result_status(r) != BI_STATUS_OK || bi_result_user_entity_ref(r, NULL) == NULL) {
    fprintf(stderr, "not authenticated: %s\n", bi_result_message(r, NULL));
    exit(1);
  }
  bi_result_free(r);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  long iterations = argc > 2 ? atol(argv[2]) : 20000;
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) return 2;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)size);
  size_t got = fread(text, 1, (size_t)size, f);
  fclose(f);
  cJSON *doc = cJSON_ParseWithLength(text, got);
  free(text);
  const cJSON *c, *found = NULL;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "cases")) {
    if (strcmp(cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring, "backstage/001-user-es256-default") == 0)
      found = c;
  }
  if (found == NULL) return 2;
  const char *token = cJSON_GetObjectItemCaseSensitive(found, "token")->valuestring;
  size_t token_len = strlen(token);
  uint64_t now = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(found, "now"));
  char *jwks = cJSON_PrintUnformatted(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(found, "jwks"), "auth"));

  const char config[] = "{\"pluginId\":\"catalog\"}";
  bi_authenticator *auth = NULL;
  if (bi_authenticator_new((const uint8_t *)config, strlen(config), &auth, NULL) != BI_OK) return 1;
  bi_key_ring *ring = bi_key_ring_new();
  if (bi_key_ring_load(ring, (const uint8_t *)"auth", 4, (const uint8_t *)jwks, strlen(jwks), now, NULL) != BI_OK)
    return 1;

  for (long i = 0; i < iterations / 10; i++) once(auth, ring, token, token_len, now);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < iterations; i++) once(auth, ring, token, token_len, now);
  clock_gettime(CLOCK_MONOTONIC, &end);
  double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
  printf("c %.0f\n", (double)iterations / seconds);

  bi_key_ring_free(ring);
  bi_authenticator_free(auth);
  cJSON_free(jwks);
  cJSON_Delete(doc);
  return 0;
}
