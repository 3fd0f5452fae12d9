//! `backstage-identity`: verify or authenticate one token from the command line.
//!
//! Prints one JSON object (`{"valid", "code", "message", "principal" | "claims"}`) and exits 0
//! when the token is valid, 1 when it is refused, 2 on a usage error. Unlike the library, this
//! tool reads files, standard input and the clock.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::ExitCode;

use backstage_identity::{
    bearer_token, verify, Algorithm, AuthConfig, Authenticator, Error, KeyRing, KeySet,
    KeySetOptions, Outcome, Source, VerifyOptions,
};
use serde_json::{json, Value};

const USAGE: &str = "\
usage:
  backstage-identity verify --jwks FILE (--token T | --authorization H) [--now S]
      [--issuer I]... [--audience A]... [--alg ALG]... [--leeway S] [--typ T]...
      [--require CLAIM]... [--reject-future-iat] [--allow-hmac]
  backstage-identity authenticate --auth-jwks FILE [--plugin-jwks ID=FILE]...
      [--external-jwks URL=FILE]... [--config FILE | --plugin-id ID] [--allow-limited-access]
      (--token T | --authorization H) [--now S]

  T or H may be '-' to read the value from standard input (keeps it off the process list).
  --config is a JSON file: {\"pluginId\": .., \"allowLimitedAccess\": .., \"backend\": {\"auth\": ..}}
  (Backstage's backend.auth shape). Without it the receiving plugin is --plugin-id (default catalog).
  Output: one JSON object. Exit: 0 valid, 1 refused, 2 usage error.";

/// A usage error: exit 2 with this message.
struct Usage(String);

fn usage(msg: impl Into<String>) -> Usage {
    Usage(msg.into())
}

#[derive(Default)]
struct Args {
    flags: BTreeMap<&'static str, Vec<String>>,
}

impl Args {
    fn parse(argv: &[String], known: &[(&'static str, bool)]) -> Result<Args, Usage> {
        let mut args = Args::default();
        let mut it = argv.iter();
        while let Some(a) = it.next() {
            let (name, takes_value) = known
                .iter()
                .copied()
                .find(|(n, _)| *n == a.as_str())
                .ok_or_else(|| usage(format!("unknown argument {a:?}")))?;
            let value = if takes_value {
                it.next()
                    .ok_or_else(|| usage(format!("{name} needs a value")))?
                    .clone()
            } else {
                String::new()
            };
            args.flags.entry(name).or_default().push(value);
        }
        Ok(args)
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.flags.get(name).cloned().unwrap_or_default()
    }
    fn one(&self, name: &str) -> Result<Option<String>, Usage> {
        match self.flags.get(name).map(Vec::as_slice) {
            None => Ok(None),
            Some([v]) => Ok(Some(v.clone())),
            Some(_) => Err(usage(format!("{name} may be given once"))),
        }
    }
    fn has(&self, name: &str) -> bool {
        self.flags.contains_key(name)
    }
}

fn read_file(path: &str) -> Result<Vec<u8>, Usage> {
    std::fs::read(path).map_err(|e| usage(format!("cannot read {path}: {e}")))
}

fn read_stdin() -> Result<String, Usage> {
    let mut s = String::new();
    std::io::stdin()
        .take(16 << 20)
        .read_to_string(&mut s)
        .map_err(|e| usage(format!("cannot read standard input: {e}")))?;
    // A trailing newline from `echo` or a file is not part of the value.
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    Ok(s)
}

fn now(args: &Args) -> Result<u64, Usage> {
    match args.one("--now")? {
        Some(s) => s.parse().map_err(|_| usage("--now must be unix seconds")),
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)),
    }
}

/// The token to check: `--token`, or the bearer token of `--authorization`.
enum Input {
    Token(String),
    Header(String),
}

fn input(args: &Args) -> Result<Input, Usage> {
    let value = |v: String| if v == "-" { read_stdin() } else { Ok(v) };
    match (args.one("--token")?, args.one("--authorization")?) {
        (Some(t), None) => Ok(Input::Token(value(t)?)),
        (None, Some(h)) => Ok(Input::Header(value(h)?)),
        _ => Err(usage("give exactly one of --token and --authorization")),
    }
}

fn refused(e: &Error) -> Value {
    json!({"valid": false, "code": e.code().as_str(), "message": e.to_string()})
}

fn run_verify(argv: &[String]) -> Result<(Value, bool), Usage> {
    let args = Args::parse(
        argv,
        &[
            ("--jwks", true),
            ("--token", true),
            ("--authorization", true),
            ("--now", true),
            ("--issuer", true),
            ("--audience", true),
            ("--alg", true),
            ("--leeway", true),
            ("--typ", true),
            ("--require", true),
            ("--reject-future-iat", false),
            ("--allow-hmac", false),
        ],
    )?;
    let jwks = read_file(
        &args
            .one("--jwks")?
            .ok_or_else(|| usage("--jwks FILE is required"))?,
    )?;
    let now = now(&args)?;
    let mut options = VerifyOptions {
        issuers: args.all("--issuer"),
        audiences: args.all("--audience"),
        types: args.all("--typ"),
        required_claims: args.all("--require"),
        reject_future_iat: args.has("--reject-future-iat"),
        ..VerifyOptions::default()
    };
    let algs = args.all("--alg");
    if !algs.is_empty() {
        options.algorithms = algs
            .iter()
            .map(|a| {
                Algorithm::from_name(a).ok_or_else(|| usage(format!("unsupported --alg {a:?}")))
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(l) = args.one("--leeway")? {
        options.leeway = l.parse().map_err(|_| usage("--leeway must be seconds"))?;
    }
    let keys = match KeySet::from_jwks(
        &jwks,
        &KeySetOptions {
            allow_hmac: args.has("--allow-hmac"),
        },
    ) {
        Ok(k) => k,
        Err(e) => return Err(usage(format!("--jwks: {e}"))),
    };
    let token = match input(&args)? {
        Input::Token(t) => t,
        Input::Header(h) => match bearer_token(&h) {
            Some(t) => t.to_owned(),
            None => return Ok((refused(&Error::AuthorizationHeader), false)),
        },
    };
    Ok(match verify(&token, &keys, &options, now) {
        Ok(v) => {
            let claims: Value = serde_json::from_str(v.claims().json()).unwrap_or(Value::Null);
            (
                json!({"valid": true, "code": null, "message": null, "alg": v.algorithm().name(), "claims": claims}),
                true,
            )
        }
        Err(e) => (refused(&e), false),
    })
}

fn split_pair(v: &str, flag: &str) -> Result<(String, String), Usage> {
    // URLs contain '=' rarely but ':' often, so split on the last '='.
    v.rsplit_once('=')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .ok_or_else(|| usage(format!("{flag} takes NAME=FILE")))
}

fn run_authenticate(argv: &[String]) -> Result<(Value, bool), Usage> {
    let args = Args::parse(
        argv,
        &[
            ("--auth-jwks", true),
            ("--plugin-jwks", true),
            ("--external-jwks", true),
            ("--config", true),
            ("--plugin-id", true),
            ("--allow-limited-access", false),
            ("--token", true),
            ("--authorization", true),
            ("--now", true),
        ],
    )?;
    let mut documents: BTreeMap<Source, Vec<u8>> = BTreeMap::new();
    if let Some(f) = args.one("--auth-jwks")? {
        documents.insert(Source::Auth, read_file(&f)?);
    }
    for v in args.all("--plugin-jwks") {
        let (id, f) = split_pair(&v, "--plugin-jwks")?;
        documents.insert(Source::Plugin(id), read_file(&f)?);
    }
    for v in args.all("--external-jwks") {
        let (url, f) = split_pair(&v, "--external-jwks")?;
        documents.insert(Source::External(url), read_file(&f)?);
    }
    let config = match (args.one("--config")?, args.one("--plugin-id")?) {
        (Some(_), Some(_)) => return Err(usage("give --config or --plugin-id, not both")),
        (Some(f), None) => {
            AuthConfig::from_json(&read_file(&f)?).map_err(|e| usage(format!("--config: {e}")))?
        }
        (None, id) => AuthConfig::new(id.as_deref().unwrap_or("catalog"))
            .map_err(|e| usage(format!("--plugin-id: {e}")))?,
    };
    let allow_limited = args.has("--allow-limited-access") || config.allow_limited_access();
    let now = now(&args)?;
    let input = input(&args)?;
    let auth = Authenticator::new(config);
    let ring = KeyRing::new();
    let mut fetches = Vec::new();
    for _ in 0..5 {
        let outcome = match &input {
            Input::Token(t) => auth.authenticate(&ring, t, allow_limited, now),
            Input::Header(h) => auth.authenticate_header(&ring, Some(h), allow_limited, now),
        };
        match outcome {
            Ok(Outcome::Authenticated(c)) => {
                let mut out =
                    json!({"valid": true, "code": null, "message": null, "fetches": fetches});
                if let (Some(o), Value::Object(c)) = (out.as_object_mut(), c.to_json()) {
                    o.extend(c);
                }
                return Ok((out, true));
            }
            Ok(Outcome::FetchKeys(request)) => {
                // The "fetch" reads the file given for that source; a source without one fails.
                match documents.get(&request.source) {
                    Some(doc) => {
                        if let Err(e) = ring.load(&request.source, doc, now) {
                            return Err(usage(format!("JWKS of {}: {e}", request.source)));
                        }
                    }
                    None => ring.fetch_failed(&request.source, now),
                }
                fetches.push(request.source.key());
            }
            Err(e) => {
                let mut out = refused(&e);
                out["fetches"] = json!(fetches);
                return Ok((out, false));
            }
        }
    }
    Err(usage("the key refresh did not settle"))
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let result = match argv.first().map(String::as_str) {
        Some("verify") => run_verify(&argv[1..]),
        Some("authenticate") => run_authenticate(&argv[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(usage("expected a command: verify or authenticate")),
    };
    match result {
        Ok((out, valid)) => {
            println!("{out}");
            if valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(Usage(msg)) => {
            eprintln!("backstage-identity: {msg}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
