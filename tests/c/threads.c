/* Thread safety: one key ring and one authenticator shared by many threads that authenticate a
 * real Backstage user token while another thread keeps loading new JWKS documents (each still
 * holding the token's key) into the same ring; and one result read from many threads at once.
 *
 * usage: threads path/to/vectors.json [rounds per thread] */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "backstage_identity.h"
#include "check.h"

#define WORKERS 8
#define U8(s) ((const uint8_t *)(s))

static bi_key_ring *ring;
static bi_authenticator *auth;
static const char *token;
static uint64_t now;
static int rounds = 200;
static char *documents[2];

typedef struct {
  int authenticated; /* rounds that gave user:default/alice */
  int other;         /* anything else */
} tally;

static void *worker(void *arg) {
  tally *t = arg;
  for (int i = 0; i < rounds; i++) {
    bi_result *r = NULL;
    uint32_t code = bi_authenticator_authenticate(auth, ring, U8(token), strlen(token), false, now, &r);
    size_t len = 0;
    const char *user = bi_result_user_entity_ref(r, &len);
    if (code == BI_OK && bi_result_status(r) == BI_STATUS_OK && user != NULL &&
        strcmp(user, "user:default/alice") == 0)
      t->authenticated++;
    else
      t->other++;
    bi_result_free(r);
  }
  return NULL;
}

static void *loader(void *arg) {
  int *loads = arg;
  for (int i = 0; i < rounds; i++) {
    const char *doc = documents[i % 2];
    bi_result *r = NULL;
    if (bi_key_ring_load(ring, U8("auth"), 4, U8(doc), strlen(doc), now, &r) == BI_OK &&
        bi_result_keys(r) == (i % 2 == 0 ? 1u : 2u))
      (*loads)++;
    bi_result_free(r);
  }
  return NULL;
}

static const bi_result *shared_result;

static void *reader(void *arg) {
  const char **out = arg;
  out[0] = bi_result_credentials_json(shared_result, NULL);
  out[1] = bi_result_user_entity_ref(shared_result, NULL);
  out[2] = bi_result_token_kind(shared_result);
  return NULL;
}

static const cJSON *find(const cJSON *vectors, const char *id) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(vectors, "cases")) {
    if (strcmp(cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring, id) == 0) return c;
  }
  fprintf(stderr, "vector %s is missing\n", id);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s vectors.json [rounds]\n", argv[0]);
    return 2;
  }
  if (argc > 2) rounds = atoi(argv[2]);
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) return 2;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)size);
  size_t got = fread(text, 1, (size_t)size, f);
  fclose(f);
  cJSON *vectors = cJSON_ParseWithLength(text, got);
  free(text);
  if (vectors == NULL) return 2;

  /* Document 0: the ES256 key the token names. Document 1: the same key plus an RS256 key from
   * another case, as after a key rotation that keeps the old key. */
  const cJSON *c = find(vectors, "backstage/001-user-es256-default");
  const cJSON *other = find(vectors, "backstage/003-user-rs256");
  const cJSON *auth_jwks = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "jwks"), "auth");
  cJSON *rotated = cJSON_Duplicate(auth_jwks, true);
  const cJSON *extra = cJSON_GetArrayItem(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(other, "jwks"), "auth"), "keys"),
      0);
  cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rotated, "keys"), cJSON_Duplicate(extra, true));
  documents[0] = cJSON_PrintUnformatted(auth_jwks);
  documents[1] = cJSON_PrintUnformatted(rotated);
  cJSON_Delete(rotated);
  token = cJSON_GetObjectItemCaseSensitive(c, "token")->valuestring;
  now = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "now"));

  auth = NULL;
  CHECK(bi_authenticator_new(U8("{\"pluginId\":\"catalog\"}"), 22, &auth, NULL) == BI_OK, "authenticator");
  ring = bi_key_ring_new();
  CHECK(bi_key_ring_load(ring, U8("auth"), 4, U8(documents[0]), strlen(documents[0]), now, NULL) == BI_OK,
        "first load");

  pthread_t threads[WORKERS], load_thread;
  tally tallies[WORKERS];
  memset(tallies, 0, sizeof tallies);
  int loads = 0;
  CHECK(pthread_create(&load_thread, NULL, loader, &loads) == 0, "loader thread");
  for (int i = 0; i < WORKERS; i++)
    CHECK(pthread_create(&threads[i], NULL, worker, &tallies[i]) == 0, "worker thread %d", i);
  for (int i = 0; i < WORKERS; i++) pthread_join(threads[i], NULL);
  pthread_join(load_thread, NULL);

  int authenticated = 0, others = 0;
  for (int i = 0; i < WORKERS; i++) {
    authenticated += tallies[i].authenticated;
    others += tallies[i].other;
  }
  CHECK(authenticated == WORKERS * rounds, "%d of %d authentications succeeded", authenticated,
        WORKERS * rounds);
  CHECK(others == 0, "%d authentications gave something else", others);
  CHECK(loads == rounds, "%d of %d loads succeeded with the expected key count", loads, rounds);

  /* One result, read by many threads at once: every thread gets the same strings. */
  bi_result *r = NULL;
  CHECK(bi_authenticator_authenticate(auth, ring, U8(token), strlen(token), false, now, &r) == BI_OK,
        "shared result");
  shared_result = r;
  const char *seen[WORKERS][3];
  for (int i = 0; i < WORKERS; i++) pthread_create(&threads[i], NULL, reader, seen[i]);
  for (int i = 0; i < WORKERS; i++) pthread_join(threads[i], NULL);
  bool same = seen[0][0] != NULL && seen[0][1] != NULL && strcmp(seen[0][2], "user") == 0;
  for (int i = 1; i < WORKERS; i++)
    same = same && seen[i][0] == seen[0][0] && seen[i][1] == seen[0][1] && seen[i][2] == seen[0][2];
  CHECK(same, "concurrent readers of one result see the same strings");
  bi_result_free(r);

  bi_authenticator_free(auth);
  bi_key_ring_free(ring);
  cJSON_free(documents[0]);
  cJSON_free(documents[1]);
  cJSON_Delete(vectors);
  return finish("threads");
}
