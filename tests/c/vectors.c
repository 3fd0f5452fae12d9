/* Runs every case of tests/vectors/vectors.json through the C API, mirroring the reference
 * runner core/tests/vectors.rs: same inputs, same fetch loop, same comparisons.
 *
 * usage: vectors path/to/vectors.json */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "backstage_identity.h"
#include "check.h"

static char *read_file(const char *path, size_t *len_out) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      char *bigger = realloc(buf, cap *= 2);
      if (bigger == NULL) free(buf);
      buf = bigger;
    }
  }
  fclose(f);
  *len_out = len;
  return buf;
}

/* The case member as compact JSON text (like serde_json::to_vec in the Rust runner); the
 * caller frees it. */
static char *json_text(const cJSON *item) { return cJSON_PrintUnformatted(item); }

static const char *code_name(uint32_t code) {
  const char *name = bi_error_code_name(code);
  return name != NULL ? name : "(unknown code)";
}

/* An error text for a failed case, written into `why`. */
typedef struct {
  char why[512];
} failure;

static bool fail(failure *f, const char *fmt, const char *a, const char *b) {
  snprintf(f->why, sizeof f->why, fmt, a, b);
  return false;
}

static bool expect_error(failure *f, const cJSON *expect, uint32_t code) {
  const cJSON *want = cJSON_GetObjectItemCaseSensitive(expect, "code");
  if (!cJSON_IsString(want)) return fail(f, "expected success, got %s%s", code_name(code), "");
  if (code == BI_OK) return fail(f, "expected %s, got success%s", want->valuestring, "");
  if (strcmp(code_name(code), want->valuestring) != 0)
    return fail(f, "expected %s, got %s", want->valuestring, code_name(code));
  return true;
}

static bool run_verify(const cJSON *c, const cJSON *expect, uint64_t now, failure *f) {
  const cJSON *key_options = cJSON_GetObjectItemCaseSensitive(c, "key_options");
  bool allow_hmac = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(key_options, "allow_hmac"));
  char *jwks = json_text(cJSON_GetObjectItemCaseSensitive(c, "jwks"));
  char *options_json = json_text(cJSON_GetObjectItemCaseSensitive(c, "options"));
  const cJSON *token = cJSON_GetObjectItemCaseSensitive(c, "token");
  bi_key_set *keys = NULL;
  bi_verify_options *options = NULL;
  bi_result *r = NULL;
  bool ok;
  if (bi_key_set_new((const uint8_t *)jwks, strlen(jwks), allow_hmac, &keys, NULL) != BI_OK) {
    ok = fail(f, "the case's key set does not load%s%s", "", "");
  } else if (bi_verify_options_new((const uint8_t *)options_json, strlen(options_json), &options,
                                   NULL) != BI_OK) {
    ok = fail(f, "the case's options do not load%s%s", "", "");
  } else {
    uint32_t code = bi_verify((const uint8_t *)token->valuestring, strlen(token->valuestring), keys,
                              options, now, &r);
    CHECK(code == bi_result_code(r), "bi_verify returns the result's code");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(expect, "ok"))) {
      const cJSON *sub = cJSON_GetObjectItemCaseSensitive(expect, "sub");
      size_t len = 0;
      const char *got = bi_result_claim_sub(r, &len);
      if (code != BI_OK)
        ok = fail(f, "expected success, got %s: %s", code_name(code), bi_result_message(r, NULL));
      else if (!same_text(got, &len, cJSON_IsString(sub) ? sub->valuestring : NULL))
        ok = fail(f, "expected sub %s, got %s", cJSON_IsString(sub) ? sub->valuestring : "(none)",
                  got != NULL ? got : "(none)");
      else
        ok = true;
    } else {
      ok = expect_error(f, expect, code);
    }
  }
  bi_result_free(r);
  bi_verify_options_free(options);
  bi_key_set_free(keys);
  cJSON_free(options_json);
  cJSON_free(jwks);
  return ok;
}

static bool run_jwks(const cJSON *c, const cJSON *expect, failure *f) {
  const cJSON *key_options = cJSON_GetObjectItemCaseSensitive(c, "key_options");
  bool allow_hmac = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(key_options, "allow_hmac"));
  char *jwks = json_text(cJSON_GetObjectItemCaseSensitive(c, "jwks"));
  bi_key_set *keys = NULL;
  bi_result *r = NULL;
  uint32_t code = bi_key_set_new((const uint8_t *)jwks, strlen(jwks), allow_hmac, &keys, &r);
  bool ok;
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(expect, "ok"))) {
    double want_keys = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(expect, "keys"));
    double want_skipped = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(expect, "skipped"));
    char got[64];
    snprintf(got, sizeof got, "%zu keys, %zu skipped", bi_result_keys(r), bi_result_skipped(r));
    if (code != BI_OK)
      ok = fail(f, "expected success, got %s: %s", code_name(code), bi_result_message(r, NULL));
    else if ((double)bi_result_keys(r) != want_keys || (double)bi_result_skipped(r) != want_skipped ||
             bi_key_set_len(keys) != bi_result_keys(r))
      ok = fail(f, "unexpected counts: %s%s", got, "");
    else
      ok = true;
  } else {
    ok = expect_error(f, expect, code);
    CHECK(keys == NULL, "a failed bi_key_set_new writes NULL");
  }
  bi_result_free(r);
  bi_key_set_free(keys);
  cJSON_free(jwks);
  return ok;
}

/* Loads every source of a {"source key": JWKS} map at `at`. */
static bool preload(bi_key_ring *ring, const cJSON *map, uint64_t at) {
  const cJSON *doc;
  bool ok = true;
  cJSON_ArrayForEach(doc, map) {
    char *text = json_text(doc);
    uint32_t code = bi_key_ring_load(ring, (const uint8_t *)doc->string, strlen(doc->string),
                                     (const uint8_t *)text, strlen(text), at, NULL);
    ok = ok && code == BI_OK;
    cJSON_free(text);
  }
  return ok;
}

/* The fetch loop every binding implements: authenticate, fetch what is asked, load, retry.
 * Returns the final result (or NULL when the protocol did not settle) and the fetched sources
 * in `fetches` (a cJSON array). */
static bi_result *drive(const cJSON *c, uint64_t now, cJSON *fetches, failure *f) {
  char *config = json_text(cJSON_GetObjectItemCaseSensitive(c, "config"));
  bi_authenticator *auth = NULL;
  bi_result *r = NULL;
  bi_key_ring *ring = bi_key_ring_new();
  if (bi_authenticator_new((const uint8_t *)config, strlen(config), &auth, NULL) != BI_OK) {
    fail(f, "the case's config does not load%s%s", "", "");
    goto done;
  }
  const cJSON *pre = cJSON_GetObjectItemCaseSensitive(c, "preload");
  if (pre != NULL) {
    uint64_t at = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(pre, "at"));
    if (!preload(ring, cJSON_GetObjectItemCaseSensitive(pre, "jwks"), at)) {
      fail(f, "the case's preload does not load%s%s", "", "");
      goto done;
    }
  }
  bool allow_limited = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "allow_limited_access"));
  const cJSON *authorization = cJSON_GetObjectItemCaseSensitive(c, "authorization");
  const cJSON *token = cJSON_GetObjectItemCaseSensitive(c, "token");
  const cJSON *jwks = cJSON_GetObjectItemCaseSensitive(c, "jwks");
  for (int round = 0; round < 5; round++) {
    uint32_t code;
    if (authorization != NULL) {
      const char *header = cJSON_IsString(authorization) ? authorization->valuestring : NULL;
      code = bi_authenticator_authenticate_header(auth, ring, (const uint8_t *)header,
                                                  header != NULL ? strlen(header) : 0,
                                                  allow_limited, now, &r);
    } else {
      code = bi_authenticator_authenticate(auth, ring, (const uint8_t *)token->valuestring,
                                           strlen(token->valuestring), allow_limited, now, &r);
    }
    CHECK(code == bi_result_code(r), "authenticate returns the result's code");
    if (bi_result_status(r) != BI_STATUS_FETCH_KEYS) goto done;
    CHECK(code == BI_OK, "a fetch request is not an error");
    if (bi_result_fetch_in_flight(r)) {
      fail(f, "a fetch is in flight though nothing else is fetching%s%s", "", "");
      bi_result_free(r);
      r = NULL;
      goto done;
    }
    size_t source_len = 0;
    const char *source = bi_result_fetch_source(r, &source_len);
    const cJSON *doc = cJSON_GetObjectItemCaseSensitive(jwks, source);
    if (doc != NULL) {
      char *text = json_text(doc);
      uint32_t loaded = bi_key_ring_load(ring, (const uint8_t *)source, source_len,
                                         (const uint8_t *)text, strlen(text), now, NULL);
      CHECK(loaded == BI_OK, "the JWKS of %s loads", source);
      cJSON_free(text);
    } else {
      CHECK(bi_key_ring_fetch_failed(ring, (const uint8_t *)source, source_len, now) == BI_OK,
            "fetch_failed accepts %s", source);
    }
    cJSON_AddItemToArray(fetches, cJSON_CreateString(source));
    bi_result_free(r);
    r = NULL;
  }
  fail(f, "the refresh protocol did not settle%s%s", "", "");
done:
  bi_authenticator_free(auth);
  bi_key_ring_free(ring);
  cJSON_free(config);
  return r;
}

static bool run_authenticate(const cJSON *c, const cJSON *expect, uint64_t now, failure *f) {
  cJSON *fetches = cJSON_CreateArray();
  f->why[0] = '\0';
  bi_result *r = drive(c, now, fetches, f);
  bool ok;
  const cJSON *want_fetches = cJSON_GetObjectItemCaseSensitive(expect, "fetches");
  if (r == NULL) {
    ok = false;
  } else if (want_fetches != NULL && !cJSON_Compare(fetches, want_fetches, true)) {
    char *got = json_text(fetches);
    ok = fail(f, "unexpected fetches %s%s", got, "");
    cJSON_free(got);
  } else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(expect, "ok"))) {
    if (bi_result_status(r) != BI_STATUS_OK) {
      ok = fail(f, "expected success, got %s: %s", code_name(bi_result_code(r)),
                bi_result_message(r, NULL));
    } else {
      size_t len = 0;
      const char *principal_text = bi_result_principal_json(r, &len);
      cJSON *principal = cJSON_ParseWithLength(principal_text, len);
      const cJSON *want_expires = cJSON_GetObjectItemCaseSensitive(expect, "expires_at");
      int64_t expires_at = 0;
      bool has_expiry = bi_result_expires_at(r, &expires_at);
      if (!cJSON_Compare(principal, cJSON_GetObjectItemCaseSensitive(expect, "principal"), true))
        ok = fail(f, "unexpected principal %s%s", principal_text, "");
      else if (cJSON_IsNumber(want_expires) ? !has_expiry || (double)expires_at != want_expires->valuedouble
                                            : has_expiry)
        ok = fail(f, "unexpected expires_at%s%s", "", "");
      else
        ok = true;
      cJSON_Delete(principal);
    }
  } else {
    ok = expect_error(f, expect, bi_result_code(r));
  }
  bi_result_free(r);
  cJSON_Delete(fetches);
  return ok;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s vectors.json\n", argv[0]);
    return 2;
  }
  size_t len = 0;
  char *text = read_file(argv[1], &len);
  cJSON *doc = text != NULL ? cJSON_ParseWithLength(text, len) : NULL;
  free(text);
  if (doc == NULL) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  const cJSON *format = cJSON_GetObjectItemCaseSensitive(doc, "format");
  CHECK(cJSON_IsString(format) && strcmp(format->valuestring, "backstage-identity-vectors/1") == 0,
        "the vectors' format is backstage-identity-vectors/1");
  const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
  int count = cJSON_GetArraySize(cases), passed = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cases) {
    const char *id = cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring;
    const char *kind = cJSON_GetObjectItemCaseSensitive(c, "kind")->valuestring;
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(c, "expect");
    uint64_t now = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "now"));
    failure f = {{0}};
    bool ok;
    if (strcmp(kind, "verify") == 0)
      ok = run_verify(c, expect, now, &f);
    else if (strcmp(kind, "jwks") == 0)
      ok = run_jwks(c, expect, &f);
    else if (strcmp(kind, "authenticate") == 0)
      ok = run_authenticate(c, expect, now, &f);
    else
      ok = fail(&f, "unknown kind %s%s", kind, "");
    CHECK(ok, "%s: %s", id, f.why);
    passed += ok;
  }
  /* The same floor as the Rust runner: the vectors cannot silently shrink. */
  CHECK(count >= 130, "%d cases", count);
  printf("vectors: %d of %d cases pass\n", passed, count);
  cJSON_Delete(doc);
  return finish("vectors");
}
