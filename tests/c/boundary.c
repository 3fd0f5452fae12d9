/* Boundary tests of the C API: NULL pointers, invalid UTF-8, _free(NULL), lengths that do not
 * rely on NUL termination, every accessor on every kind of result, and the refresh protocol
 * step by step. Real tokens come from tests/vectors/vectors.json.
 *
 * usage: boundary path/to/vectors.json */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "backstage_identity.h"
#include "check.h"

#define U8(s) ((const uint8_t *)(s))
#define ARGS(s) U8(s), strlen(s)

static cJSON *vectors;

static const cJSON *vector(const char *id) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(vectors, "cases")) {
    if (strcmp(cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring, id) == 0) return c;
  }
  fprintf(stderr, "vector %s is missing\n", id);
  exit(2);
}

static const char *member(const cJSON *c, const char *name) {
  return cJSON_GetObjectItemCaseSensitive(c, name)->valuestring;
}

static uint64_t now_of(const cJSON *c) {
  return (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "now"));
}

/* The JWKS a fetch of `source` returns in case `c`, as JSON text (free with cJSON_free). */
static char *jwks_of(const cJSON *c, const char *source) {
  return cJSON_PrintUnformatted(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "jwks"), source));
}

static bi_authenticator *authenticator_of(const cJSON *c) {
  char *config = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "config"));
  bi_authenticator *auth = NULL;
  CHECK(bi_authenticator_new(ARGS(config), &auth, NULL) == BI_OK, "config of %s", member(c, "id"));
  cJSON_free(config);
  return auth;
}

static void load(bi_key_ring *ring, const cJSON *c, const char *source) {
  char *jwks = jwks_of(c, source);
  CHECK(bi_key_ring_load(ring, ARGS(source), ARGS(jwks), now_of(c), NULL) == BI_OK, "load %s",
        source);
  cJSON_free(jwks);
}

/* A message equal to `want`, with its length. */
static void check_message(const bi_result *r, const char *want) {
  size_t len = 12345;
  const char *got = bi_result_message(r, &len);
  CHECK(same_text(got, &len, want), "message \"%s\", want \"%s\"", got ? got : "(null)",
        want ? want : "(null)");
}

static void test_version_and_codes(void) {
  CHECK(strcmp(bi_version(), BI_VERSION) == 0, "bi_version() == BI_VERSION");
  CHECK(BI_VERSION_NUMBER == BI_VERSION_MAJOR * 1000000 + BI_VERSION_MINOR * 1000 + BI_VERSION_PATCH,
        "combined version");
  char parts[32];
  snprintf(parts, sizeof parts, "%d.%d.%d", BI_VERSION_MAJOR, BI_VERSION_MINOR, BI_VERSION_PATCH);
  CHECK(strcmp(parts, BI_VERSION) == 0, "version parts %s", parts);

  static const struct {
    uint32_t code;
    const char *name;
    const char *family;
  } codes[] = {
      {BI_OK, "OK", NULL},
      {BI_ERR_TOKEN_MISSING, "ERR_TOKEN_MISSING", "malformed"},
      {BI_ERR_JWS_SEGMENTS, "ERR_JWS_SEGMENTS", "malformed"},
      {BI_ERR_AUTHORIZATION_HEADER, "ERR_AUTHORIZATION_HEADER", "malformed"},
      {BI_ERR_ALG_NONE, "ERR_ALG_NONE", "key"},
      {BI_ERR_KEYS_UNAVAILABLE, "ERR_KEYS_UNAVAILABLE", "key"},
      {BI_ERR_SIGNATURE_INVALID, "ERR_SIGNATURE_INVALID", "signature"},
      {BI_ERR_TOKEN_EXPIRED, "ERR_TOKEN_EXPIRED", "claims"},
      {BI_ERR_LIMITED_TOKEN_NOT_ALLOWED, "ERR_LIMITED_TOKEN_NOT_ALLOWED", "authentication"},
      {BI_ERR_ACCESS_RESTRICTED, "ERR_ACCESS_RESTRICTED", "not_allowed"},
      {BI_ERR_INVALID_ARGUMENT, "ERR_INVALID_ARGUMENT", "config"},
      {BI_ERR_INTERNAL, "ERR_INTERNAL", "config"},
  };
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const char *name = bi_error_code_name(codes[i].code);
    const char *family = bi_error_code_family(codes[i].code);
    CHECK(name != NULL && strcmp(name, codes[i].name) == 0, "name of %u", codes[i].code);
    CHECK(codes[i].family == NULL ? family == NULL : family != NULL && strcmp(family, codes[i].family) == 0,
          "family of %u", codes[i].code);
  }
  /* Static strings are the same pointer every time. */
  CHECK(bi_error_code_name(BI_ERR_TOKEN_EXPIRED) == bi_error_code_name(BI_ERR_TOKEN_EXPIRED), "static");
  CHECK(bi_error_code_name(1) == NULL, "1 is not a code");
  CHECK(bi_error_code_name(99999) == NULL, "99999 is not a code");
  CHECK(bi_error_code_family(UINT32_MAX) == NULL, "UINT32_MAX is not a code");
}

/* Every _free accepts NULL: a crash here fails the program (and its sanitizer/valgrind run). */
static void test_free_null(void) {
  bi_key_ring_free(NULL);
  bi_authenticator_free(NULL);
  bi_key_set_free(NULL);
  bi_verify_options_free(NULL);
  bi_result_free(NULL);
}

static void test_null_result_accessors(void) {
  size_t len = 7;
  int64_t at = 42;
  CHECK(bi_result_status(NULL) == BI_STATUS_ERROR, "status(NULL)");
  CHECK(bi_result_code(NULL) == BI_ERR_INVALID_ARGUMENT, "code(NULL)");
  CHECK(bi_result_http_status(NULL) == 0, "http_status(NULL)");
  CHECK(bi_result_message(NULL, &len) == NULL && len == 0, "message(NULL)");
  len = 7;
  CHECK(bi_result_credentials_json(NULL, &len) == NULL && len == 0, "credentials_json(NULL)");
  CHECK(bi_result_principal_json(NULL, NULL) == NULL, "principal_json(NULL)");
  CHECK(bi_result_user_entity_ref(NULL, NULL) == NULL, "user_entity_ref(NULL)");
  CHECK(bi_result_actor(NULL, NULL) == NULL, "actor(NULL)");
  CHECK(bi_result_service_subject(NULL, NULL) == NULL, "service_subject(NULL)");
  CHECK(!bi_result_expires_at(NULL, &at) && at == 42, "expires_at(NULL)");
  CHECK(bi_result_token_kind(NULL) == NULL, "token_kind(NULL)");
  CHECK(bi_result_fetch_source(NULL, NULL) == NULL, "fetch_source(NULL)");
  CHECK(bi_result_fetch_plugin_id(NULL, NULL) == NULL, "fetch_plugin_id(NULL)");
  CHECK(bi_result_fetch_path(NULL, NULL) == NULL, "fetch_path(NULL)");
  CHECK(bi_result_fetch_url(NULL, ARGS("http://x"), NULL) == NULL, "fetch_url(NULL)");
  CHECK(bi_result_fetch_reason(NULL) == NULL, "fetch_reason(NULL)");
  CHECK(!bi_result_fetch_in_flight(NULL), "fetch_in_flight(NULL)");
  CHECK(bi_result_keys(NULL) == 0 && bi_result_skipped(NULL) == 0, "keys(NULL)");
  CHECK(bi_result_claims_json(NULL, NULL) == NULL, "claims_json(NULL)");
  CHECK(bi_result_claim_sub(NULL, NULL) == NULL, "claim_sub(NULL)");
  CHECK(bi_result_kid(NULL, NULL) == NULL, "kid(NULL)");
  CHECK(bi_result_algorithm(NULL) == NULL, "algorithm(NULL)");
  CHECK(bi_key_set_len(NULL) == 0, "key_set_len(NULL)");
  CHECK(!bi_authenticator_allow_limited_access(NULL), "allow_limited_access(NULL)");
}

static void test_constructors(void) {
  bi_authenticator *auth = (bi_authenticator *)&auth; /* must be overwritten with NULL */
  bi_result *r = NULL;
  CHECK(bi_authenticator_new(NULL, 5, &auth, &r) == BI_ERR_INVALID_ARGUMENT, "NULL config");
  CHECK(auth == NULL, "a failed _new writes NULL");
  CHECK(bi_result_status(r) == BI_STATUS_ERROR, "error status");
  CHECK(bi_result_code(r) == BI_ERR_INVALID_ARGUMENT, "result code");
  CHECK(bi_result_http_status(r) == 500, "config errors answer 500");
  check_message(r, "invalid argument: `config_json` is NULL");
  bi_result_free(r);
  r = NULL;

  CHECK(bi_authenticator_new(ARGS("{\"pluginId\":\"catalog\"}"), NULL, &r) == BI_ERR_INVALID_ARGUMENT,
        "NULL authenticator_out");
  check_message(r, "invalid argument: `authenticator_out` is NULL");
  bi_result_free(r);
  r = NULL;

  CHECK(bi_authenticator_new(ARGS("{\"pluginId\":\"bad id\"}"), &auth, &r) == BI_ERR_INVALID_CONFIG,
        "bad plugin id");
  check_message(r, "invalid configuration: \"pluginId\" must match ^[a-z0-9_-]+$ (case-insensitive), at most 128 characters");
  bi_result_free(r);
  r = NULL;
  CHECK(bi_authenticator_new(ARGS("{\"pluginId\":\"\xff\"}"), &auth, NULL) == BI_ERR_INVALID_CONFIG,
        "a config that is not UTF-8 is not JSON");
  CHECK(bi_authenticator_new(U8(""), 0, &auth, NULL) == BI_ERR_INVALID_CONFIG, "empty config");
  CHECK(bi_authenticator_new(U8("{}"), SIZE_MAX, &auth, NULL) == BI_ERR_INVALID_ARGUMENT,
        "a length above PTRDIFF_MAX");

  /* Only `len` bytes are read: what follows (here no NUL, then garbage) is ignored. */
  const char config[] = "{\"pluginId\":\"catalog\",\"allowLimitedAccess\":true}GARBAGE";
  CHECK(bi_authenticator_new(U8(config), strlen(config) - 7, &auth, &r) == BI_OK, "config prefix");
  CHECK(auth != NULL && bi_result_status(r) == BI_STATUS_OK && bi_result_code(r) == BI_OK, "made");
  check_message(r, NULL);
  CHECK(bi_result_http_status(r) == 0, "no HTTP status for success");
  CHECK(bi_authenticator_allow_limited_access(auth), "the configured allowLimitedAccess");
  bi_result_free(r);
  bi_authenticator_free(auth);

  bi_key_ring *ring = (bi_key_ring *)&ring;
  bi_refresh_policy policy = bi_refresh_policy_default();
  CHECK(policy.max_age == 600 && policy.cooldown == 30 && policy.forced_reload_limit == 10 &&
            policy.forced_reload_window == 60 && policy.max_sources == 100 &&
            policy.new_plugin_source_limit == 10,
        "Backstage's refresh policy");
  CHECK(bi_key_ring_new_with_policy(NULL, &ring) == BI_ERR_INVALID_ARGUMENT && ring == NULL,
        "NULL policy");
  CHECK(bi_key_ring_new_with_policy(&policy, NULL) == BI_ERR_INVALID_ARGUMENT, "NULL ring_out");
  policy.max_sources = 1;
  CHECK(bi_key_ring_new_with_policy(&policy, &ring) == BI_OK && ring != NULL, "custom policy");
  /* One plugin source at most, and it holds keys: the policy reaches the core. The auth source
     never counts against the limit. */
  const cJSON *c = vector("backstage/024-plugin-catalog-to-scaffolder");
  bi_authenticator *scaffolder = authenticator_of(c);
  load(ring, c, "plugin:catalog");
  const cJSON *user = vector("backstage/001-user-es256-default");
  CHECK(bi_authenticator_authenticate(scaffolder, ring, ARGS(member(user, "token")), false,
                                      now_of(user), &r) == BI_OK &&
            bi_result_status(r) == BI_STATUS_FETCH_KEYS,
        "the auth source is never refused by max_sources");
  bi_result_free(r);
  CHECK(bi_key_ring_load(ring, ARGS("plugin:other"), ARGS("{\"keys\":[]}"), now_of(user), NULL) ==
            BI_ERR_JWKS_NO_USABLE_KEY,
        "a failed load of a second plugin source");
  CHECK(bi_authenticator_authenticate(scaffolder, ring, ARGS(member(c, "token")), false,
                                      now_of(c), &r) == BI_OK &&
            bi_result_status(r) == BI_STATUS_OK,
        "the loaded plugin source keeps working");
  bi_result_free(r);
  bi_authenticator_free(scaffolder);
  bi_key_ring_free(ring);
}

static void test_authenticate_arguments(void) {
  const cJSON *c = vector("backstage/001-user-es256-default");
  const char *token = member(c, "token");
  uint64_t now = now_of(c);
  bi_authenticator *auth = authenticator_of(c);
  bi_key_ring *ring = bi_key_ring_new();
  bi_result *r = NULL;

  CHECK(bi_authenticator_authenticate(auth, ring, ARGS(token), false, now, NULL) ==
            BI_ERR_INVALID_ARGUMENT,
        "NULL result_out");
  CHECK(bi_authenticator_authenticate(NULL, ring, ARGS(token), false, now, &r) ==
            BI_ERR_INVALID_ARGUMENT,
        "NULL authenticator");
  check_message(r, "invalid argument: `authenticator` is NULL");
  bi_result_free(r);
  CHECK(bi_authenticator_authenticate(auth, NULL, ARGS(token), false, now, &r) ==
            BI_ERR_INVALID_ARGUMENT,
        "NULL ring");
  check_message(r, "invalid argument: `ring` is NULL");
  bi_result_free(r);
  CHECK(bi_authenticator_authenticate(auth, ring, NULL, 0, false, now, &r) == BI_ERR_INVALID_ARGUMENT,
        "NULL token");
  check_message(r, "invalid argument: `token` is NULL");
  bi_result_free(r);
  CHECK(bi_authenticator_authenticate(auth, ring, U8(token), SIZE_MAX, false, now, &r) ==
            BI_ERR_INVALID_ARGUMENT,
        "token_len above PTRDIFF_MAX");
  check_message(r, "invalid argument: `token_len` is too large");
  bi_result_free(r);
  /* Bytes that are not UTF-8 come from the network, not from a bug: a malformed token, 401. */
  CHECK(bi_authenticator_authenticate(auth, ring, ARGS("eyJ\xc3\x28.e30.x"), false, now, &r) ==
            BI_ERR_JWS_BASE64,
        "invalid UTF-8");
  check_message(r, "the token header is not strict base64url (URL alphabet, no padding, no whitespace)");
  CHECK(bi_result_http_status(r) == 401, "a malformed token: 401");
  bi_result_free(r);
  CHECK(bi_authenticator_authenticate(auth, ring, U8(""), 0, false, now, &r) == BI_ERR_TOKEN_MISSING,
        "empty token");
  CHECK(bi_result_http_status(r) == 401, "401");
  check_message(r, "no token was presented");
  bi_result_free(r);
  /* An embedded NUL is part of the token, not its end. */
  CHECK(bi_authenticator_authenticate(auth, ring, U8("abc\0def"), 7, false, now, &r) ==
            BI_ERR_JWS_SEGMENTS,
        "embedded NUL");
  check_message(r, "a JWS compact token has exactly 3 dot-separated segments, this one has 1");
  bi_result_free(r);

  /* Headers: NULL with length 0 is "no header"; NULL with a length is a bug. */
  CHECK(bi_authenticator_authenticate_header(auth, ring, NULL, 0, false, now, &r) ==
            BI_ERR_TOKEN_MISSING,
        "no header");
  bi_result_free(r);
  CHECK(bi_authenticator_authenticate_header(auth, ring, NULL, 3, false, now, &r) ==
            BI_ERR_INVALID_ARGUMENT,
        "NULL header with a length");
  bi_result_free(r);
  CHECK(bi_authenticator_authenticate_header(auth, ring, ARGS("Basic abc"), false, now, &r) ==
            BI_ERR_AUTHORIZATION_HEADER,
        "not Bearer");
  bi_result_free(r);
  CHECK(bi_authenticator_authenticate_header(auth, ring, ARGS("Bearer \xff"), false, now, &r) ==
            BI_ERR_AUTHORIZATION_HEADER,
        "header not UTF-8");
  CHECK(bi_result_http_status(r) == 401, "a malformed header: 401");
  bi_result_free(r);
  CHECK(bi_authenticator_authenticate_header(auth, ring, NULL, 0, false, now, NULL) ==
            BI_ERR_INVALID_ARGUMENT,
        "NULL result_out for a header");

  bi_authenticator_free(auth);
  bi_key_ring_free(ring);
}

static void test_key_ring_arguments(void) {
  const cJSON *c = vector("backstage/001-user-es256-default");
  char *jwks = jwks_of(c, "auth");
  bi_key_ring *ring = bi_key_ring_new();
  bi_result *r = NULL;
  CHECK(ring != NULL, "bi_key_ring_new");
  CHECK(bi_key_ring_load(NULL, ARGS("auth"), ARGS(jwks), 1, NULL) == BI_ERR_INVALID_ARGUMENT, "NULL ring");
  CHECK(bi_key_ring_load(ring, NULL, 4, ARGS(jwks), 1, NULL) == BI_ERR_INVALID_ARGUMENT, "NULL source");
  CHECK(bi_key_ring_load(ring, ARGS("auth"), NULL, 0, 1, &r) == BI_ERR_INVALID_ARGUMENT, "NULL jwks");
  check_message(r, "invalid argument: `jwks` is NULL");
  bi_result_free(r);
  CHECK(bi_key_ring_load(ring, ARGS("nope"), ARGS(jwks), 1, &r) == BI_ERR_INVALID_ARGUMENT,
        "unknown source");
  check_message(r, "invalid argument: `source` is not \"auth\", \"plugin:<id>\" or \"external:<url>\"");
  bi_result_free(r);
  CHECK(bi_key_ring_load(ring, ARGS("plugin:\xff"), ARGS(jwks), 1, NULL) == BI_ERR_INVALID_ARGUMENT,
        "source not UTF-8");
  CHECK(bi_key_ring_load(ring, ARGS("auth"), U8(jwks), SIZE_MAX, 1, NULL) == BI_ERR_INVALID_ARGUMENT,
        "jwks_len above PTRDIFF_MAX");
  CHECK(bi_key_ring_load(ring, ARGS("auth"), ARGS("{}"), 1, &r) == BI_ERR_JWKS_INVALID, "not a JWKS");
  CHECK(bi_result_keys(r) == 0 && bi_result_status(r) == BI_STATUS_ERROR, "failed load");
  CHECK(bi_result_message(r, NULL) != NULL, "a failed load has a message");
  bi_result_free(r);
  /* The source key is read by length: "authX" cut to 4 bytes is "auth". */
  CHECK(bi_key_ring_load(ring, U8("authX"), 4, ARGS(jwks), 1, &r) == BI_OK, "load");
  CHECK(bi_result_status(r) == BI_STATUS_OK && bi_result_keys(r) == 1 && bi_result_skipped(r) == 0,
        "one key, none skipped");
  bi_result_free(r);
  CHECK(bi_key_ring_fetch_failed(NULL, ARGS("auth"), 1) == BI_ERR_INVALID_ARGUMENT, "NULL ring");
  CHECK(bi_key_ring_fetch_failed(ring, NULL, 0, 1) == BI_ERR_INVALID_ARGUMENT, "NULL source");
  CHECK(bi_key_ring_fetch_failed(ring, ARGS("external:\xc3"), 1) == BI_ERR_INVALID_ARGUMENT,
        "truncated UTF-8");
  CHECK(bi_key_ring_fetch_failed(ring, ARGS("plugin:catalog"), 1) == BI_OK, "fetch_failed");
  bi_key_ring_free(ring);
  cJSON_free(jwks);
}

/* The refresh protocol step by step, and every accessor of a fetch request and of credentials. */
static void test_refresh_protocol(void) {
  const cJSON *c = vector("backstage/001-user-es256-default");
  const char *token = member(c, "token");
  uint64_t now = now_of(c);
  bi_authenticator *auth = authenticator_of(c);
  bi_key_ring *ring = bi_key_ring_new();
  bi_result *r = NULL;
  size_t len = 0;

  /* The token is passed by length, followed by bytes that are not part of it. */
  size_t token_len = strlen(token);
  char *padded = malloc(token_len + 3);
  memcpy(padded, token, token_len);
  memcpy(padded + token_len, "\xff\xff\xff", 3);

  CHECK(bi_authenticator_authenticate(auth, ring, U8(padded), token_len, false, now, &r) == BI_OK,
        "a fetch request is not an error");
  CHECK(bi_result_status(r) == BI_STATUS_FETCH_KEYS, "fetch keys");
  CHECK(same_text(bi_result_fetch_source(r, &len), &len, "auth"), "source auth");
  CHECK(same_text(bi_result_fetch_plugin_id(r, &len), &len, "auth"), "plugin id auth");
  CHECK(same_text(bi_result_fetch_path(r, &len), &len, "/.well-known/jwks.json"), "path");
  CHECK(same_text(bi_result_fetch_url(r, ARGS("http://localhost:7007/api/auth/"), &len), &len,
                  "http://localhost:7007/api/auth/.well-known/jwks.json"),
        "url from a base with a trailing slash");
  const char *first_url = bi_result_fetch_url(r, ARGS("http://localhost:7007/api/auth"), &len);
  CHECK(same_text(first_url, &len, "http://localhost:7007/api/auth/.well-known/jwks.json"), "url");
  CHECK(same_text(bi_result_fetch_url(r, NULL, 0, &len), &len, NULL), "an auth source needs a base");
  CHECK(same_text(bi_result_fetch_url(r, ARGS("\xff"), &len), &len, NULL), "base not UTF-8");
  CHECK(strcmp(first_url, "http://localhost:7007/api/auth/.well-known/jwks.json") == 0,
        "earlier urls stay valid");
  int other_copies = 0;
  for (int i = 0; i < 1000; i++) {
    other_copies += bi_result_fetch_url(r, ARGS("http://localhost:7007/api/auth"), NULL) != first_url;
  }
  CHECK(other_copies == 0, "the same URL asked again is the same copy (the result does not grow)");
  CHECK(strcmp(bi_result_fetch_reason(r), "not_loaded") == 0, "reason not_loaded");
  CHECK(!bi_result_fetch_in_flight(r), "not in flight");
  CHECK(bi_result_user_entity_ref(r, NULL) == NULL && bi_result_token_kind(r) == NULL &&
            bi_result_message(r, NULL) == NULL && bi_result_keys(r) == 0,
        "a fetch request has no credentials, message or keys");
  bi_result_free(r);

  /* A second request before the first is answered is told to wait for it. */
  CHECK(bi_authenticator_authenticate(auth, ring, ARGS(token), false, now, &r) == BI_OK, "again");
  CHECK(bi_result_status(r) == BI_STATUS_FETCH_KEYS && bi_result_fetch_in_flight(r), "in flight");
  bi_result_free(r);

  load(ring, c, "auth");
  CHECK(bi_authenticator_authenticate(auth, ring, U8(padded), token_len, false, now, &r) == BI_OK,
        "authenticated");
  CHECK(bi_result_status(r) == BI_STATUS_OK, "status ok");
  CHECK(same_text(bi_result_user_entity_ref(r, &len), &len, "user:default/alice"), "user");
  CHECK(same_text(bi_result_actor(r, &len), &len, NULL), "no actor");
  CHECK(same_text(bi_result_service_subject(r, &len), &len, NULL), "not a service");
  CHECK(strcmp(bi_result_token_kind(r), "user") == 0, "kind user");
  int64_t expires_at = 0;
  CHECK(bi_result_expires_at(r, &expires_at) && expires_at == 1796317579, "expires_at");
  CHECK(bi_result_expires_at(r, NULL), "expires_at without an out pointer");
  CHECK(same_text(bi_result_principal_json(r, &len), &len,
                  "{\"type\":\"user\",\"userEntityRef\":\"user:default/alice\"}"),
        "principal JSON");
  const char *credentials = bi_result_credentials_json(r, &len);
  cJSON *parsed = cJSON_ParseWithLength(credentials, len);
  cJSON *want = cJSON_Parse("{\"principal\":{\"type\":\"user\",\"userEntityRef\":\"user:default/alice\"},"
                            "\"expiresAt\":1796317579,\"kind\":\"user\",\"ownershipEntityRefs\":[]}");
  CHECK(cJSON_Compare(parsed, want, true), "credentials JSON %s", credentials);
  CHECK(bi_result_credentials_json(r, NULL) == credentials, "strings are made once per result");
  cJSON_Delete(parsed);
  cJSON_Delete(want);
  CHECK(bi_result_fetch_source(r, &len) == NULL && len == 0 && bi_result_fetch_reason(r) == NULL &&
            bi_result_fetch_url(r, ARGS("http://x"), NULL) == NULL,
        "credentials are not a fetch request");
  CHECK(bi_result_claims_json(r, NULL) == NULL && bi_result_algorithm(r) == NULL,
        "credentials are not a verified token");
  bi_result_free(r);

  /* Limited access: the same token passes either way; an expired clock does not. */
  CHECK(bi_authenticator_authenticate(auth, ring, ARGS(token), true, now, &r) == BI_OK, "limited ok");
  bi_result_free(r);
  /* At `exp` the default ring's keys are stale (a fetch is asked): use a ring whose documents
   * stay fresh for two hours. */
  bi_refresh_policy policy = bi_refresh_policy_default();
  policy.max_age = 7200;
  bi_key_ring *patient = NULL;
  CHECK(bi_key_ring_new_with_policy(&policy, &patient) == BI_OK, "patient ring");
  load(patient, c, "auth");
  CHECK(bi_authenticator_authenticate(auth, patient, ARGS(token), false, 1796317578, &r) == BI_OK &&
            bi_result_status(r) == BI_STATUS_OK,
        "valid one second before exp");
  bi_result_free(r);
  CHECK(bi_authenticator_authenticate(auth, patient, ARGS(token), false, 1796317579, &r) ==
            BI_ERR_TOKEN_EXPIRED,
        "expired at exp");
  bi_key_ring_free(patient);
  CHECK(bi_result_http_status(r) == 401, "401");
  check_message(r, "the token has expired (\"exp\" is not after now)");
  CHECK(bi_result_user_entity_ref(r, NULL) == NULL, "an error has no credentials");
  bi_result_free(r);

  free(padded);
  bi_authenticator_free(auth);
  bi_key_ring_free(ring);
}

/* Plugin, on-behalf-of, external and static tokens: the fetch sources and principals. */
static void test_principals(void) {
  size_t len = 0;
  bi_result *r = NULL;
  int64_t expires_at = 0;

  const cJSON *c = vector("backstage/028-plugin-obo-catalog-to-scaffolder");
  bi_authenticator *auth = authenticator_of(c);
  bi_key_ring *ring = bi_key_ring_new();
  CHECK(bi_authenticator_authenticate(auth, ring, ARGS(member(c, "token")), false, now_of(c), &r) == BI_OK,
        "obo");
  CHECK(same_text(bi_result_fetch_source(r, &len), &len, "plugin:catalog"), "plugin source");
  CHECK(same_text(bi_result_fetch_plugin_id(r, &len), &len, "catalog"), "plugin id");
  CHECK(same_text(bi_result_fetch_path(r, &len), &len, "/.backstage/auth/v1/jwks.json"), "plugin path");
  CHECK(same_text(bi_result_fetch_url(r, ARGS("http://localhost:7007/api/catalog"), &len), &len,
                  "http://localhost:7007/api/catalog/.backstage/auth/v1/jwks.json"),
        "plugin url");
  bi_result_free(r);
  load(ring, c, "plugin:catalog");
  load(ring, c, "auth");
  CHECK(bi_authenticator_authenticate(auth, ring, ARGS(member(c, "token")), false, now_of(c), &r) == BI_OK,
        "obo authenticated");
  CHECK(same_text(bi_result_user_entity_ref(r, &len), &len, "user:default/alice"), "obo user");
  CHECK(same_text(bi_result_actor(r, &len), &len, "plugin:catalog"), "obo actor");
  CHECK(strcmp(bi_result_token_kind(r), "plugin-obo") == 0, "kind plugin-obo");
  CHECK(bi_result_expires_at(r, &expires_at) && expires_at == 1796317579, "obo expires_at");
  bi_result_free(r);
  bi_authenticator_free(auth);
  bi_key_ring_free(ring);

  c = vector("backstage/037-external-jwks-token");
  const char *source = "external:https://idp.example.com/.well-known/jwks.json";
  auth = authenticator_of(c);
  ring = bi_key_ring_new();
  CHECK(bi_authenticator_authenticate(auth, ring, ARGS(member(c, "token")), false, now_of(c), &r) == BI_OK,
        "external");
  CHECK(same_text(bi_result_fetch_source(r, &len), &len, source), "external source");
  CHECK(same_text(bi_result_fetch_plugin_id(r, &len), &len, NULL), "no discovery");
  CHECK(same_text(bi_result_fetch_path(r, &len), &len, NULL), "no path");
  CHECK(same_text(bi_result_fetch_url(r, NULL, 0, &len), &len, "https://idp.example.com/.well-known/jwks.json"),
        "the configured URL");
  bi_result_free(r);
  load(ring, c, source);
  CHECK(bi_authenticator_authenticate(auth, ring, ARGS(member(c, "token")), false, now_of(c), &r) == BI_OK,
        "external authenticated");
  CHECK(same_text(bi_result_service_subject(r, &len), &len, "external:idp:ci-pipeline"), "subject");
  CHECK(same_text(bi_result_user_entity_ref(r, &len), &len, NULL), "not a user");
  CHECK(strcmp(bi_result_token_kind(r), "external-jwks") == 0, "kind external-jwks");
  CHECK(!bi_result_expires_at(r, &expires_at), "service credentials do not expire");
  bi_result_free(r);
  bi_authenticator_free(auth);
  bi_key_ring_free(ring);

  c = vector("backstage/035-static-token-restricted-other-plugin");
  auth = authenticator_of(c);
  ring = bi_key_ring_new();
  CHECK(bi_authenticator_authenticate(auth, ring, ARGS(member(c, "token")), false, now_of(c), &r) ==
            BI_ERR_ACCESS_RESTRICTED,
        "restricted");
  CHECK(bi_result_http_status(r) == 403, "403");
  CHECK(strcmp(bi_error_code_family(bi_result_code(r)), "not_allowed") == 0, "not_allowed");
  check_message(r, "this token's access is restricted to plugin(s) 'catalog'");
  bi_result_free(r);
  bi_authenticator_free(auth);
  bi_key_ring_free(ring);
}

static void test_verify(void) {
  const cJSON *c = vector("backstage/001-user-es256-default");
  const char *token = member(c, "token");
  char *jwks = jwks_of(c, "auth");
  bi_key_set *keys = (bi_key_set *)&keys;
  bi_verify_options *options = (bi_verify_options *)&options;
  bi_result *r = NULL;
  size_t len = 0;

  CHECK(bi_key_set_new(NULL, 0, false, &keys, NULL) == BI_ERR_INVALID_ARGUMENT && keys == NULL, "NULL jwks");
  CHECK(bi_key_set_new(ARGS(jwks), false, NULL, &r) == BI_ERR_INVALID_ARGUMENT, "NULL key_set_out");
  check_message(r, "invalid argument: `key_set_out` is NULL");
  bi_result_free(r);
  CHECK(bi_key_set_new(ARGS("{\"keys\":[]}"), false, &keys, &r) == BI_ERR_JWKS_NO_USABLE_KEY, "empty set");
  check_message(r, "the JWKS document has no usable key (0 skipped)");
  bi_result_free(r);
  CHECK(bi_key_set_new(ARGS(jwks), false, &keys, &r) == BI_OK && bi_key_set_len(keys) == 1, "key set");
  CHECK(bi_result_keys(r) == 1 && bi_result_skipped(r) == 0, "key set counts");
  bi_result_free(r);

  CHECK(bi_verify_options_new(NULL, 0, &options, NULL) == BI_ERR_INVALID_ARGUMENT && options == NULL,
        "NULL options");
  CHECK(bi_verify_options_new(ARGS("{}"), NULL, NULL) == BI_ERR_INVALID_ARGUMENT, "NULL options_out");
  CHECK(bi_verify_options_new(ARGS("{\"leway\":1}"), &options, &r) == BI_ERR_INVALID_OPTIONS, "typo");
  check_message(r, "invalid options: unknown option \"leway\"");
  bi_result_free(r);
  CHECK(bi_verify_options_new(ARGS("{\"audiences\":[\"backstage\"]}"), &options, NULL) == BI_OK, "options");

  uint64_t now = now_of(c);
  CHECK(bi_verify(NULL, 0, keys, options, now, NULL) == BI_ERR_INVALID_ARGUMENT, "NULL token");
  CHECK(bi_verify(ARGS(token), NULL, options, now, NULL) == BI_ERR_INVALID_ARGUMENT, "NULL key set");
  CHECK(bi_verify(ARGS(token), keys, NULL, now, NULL) == BI_ERR_INVALID_ARGUMENT, "NULL options");
  CHECK(bi_verify(ARGS("\xff"), keys, options, now, NULL) == BI_ERR_INVALID_ARGUMENT, "not UTF-8");
  CHECK(bi_verify(ARGS(token), keys, options, now, NULL) == BI_OK, "verified without a result");
  CHECK(bi_verify(ARGS(token), keys, options, now, &r) == BI_OK, "verified");
  CHECK(bi_result_status(r) == BI_STATUS_OK, "status ok");
  CHECK(same_text(bi_result_claim_sub(r, &len), &len, "user:default/alice"), "sub");
  CHECK(same_text(bi_result_kid(r, &len), &len, "b5eeb11c-fa7f-41bb-8b58-a34ab77409be"), "kid");
  CHECK(strcmp(bi_result_algorithm(r), "ES256") == 0, "algorithm");
  const char *claims = bi_result_claims_json(r, &len);
  cJSON *parsed = cJSON_ParseWithLength(claims, len);
  CHECK(parsed != NULL && cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(parsed, "exp")) == 1796317579.0,
        "claims JSON");
  cJSON_Delete(parsed);
  CHECK(bi_result_user_entity_ref(r, NULL) == NULL, "a verified token is not credentials");
  bi_result_free(r);
  CHECK(bi_verify(ARGS(token), keys, options, 1796317579, &r) == BI_ERR_TOKEN_EXPIRED, "expired");
  CHECK(bi_result_claim_sub(r, NULL) == NULL, "an error has no claims");
  bi_result_free(r);

  bi_verify_options_free(options);
  bi_key_set_free(keys);
  cJSON_free(jwks);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s vectors.json\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) return 2;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)size);
  size_t got = fread(text, 1, (size_t)size, f);
  fclose(f);
  vectors = cJSON_ParseWithLength(text, got);
  free(text);
  if (vectors == NULL) return 2;

  test_version_and_codes();
  test_free_null();
  test_null_result_accessors();
  test_constructors();
  test_authenticate_arguments();
  test_key_ring_arguments();
  test_refresh_protocol();
  test_principals();
  test_verify();

  cJSON_Delete(vectors);
  return finish("boundary");
}
