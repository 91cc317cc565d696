//! Request parameters from the query string, a form body or a JSON body,
//! merged into one map, because the official clients each send them
//! differently (python and go send JSON bodies even on GET).

use super::AppState;
use super::error::{ApiError, note_json_sent_as_form};
use crate::domain::list::{ListWindow, WindowError, WindowParams};
use crate::domain::money::{Currency, not_an_integer};
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::{Map, Value};

/// The merged parameters. A body that does not parse is kept as an error
/// and reported when a parameter is first read, so that authentication and
/// the id are checked before it, as the error precedence demands.
#[derive(Debug, Clone)]
pub struct Params {
    map: Result<Map<String, Value>, String>,
    /// The body was a JSON object sent with a form's content type.
    json_sent_as_form: bool,
}

/// How a parameter's type error is reported: `bad_request` on most routes,
/// `invalid_link` / `invalid_card` on the create routes.
pub type ErrorKind = fn(String) -> ApiError;

impl Params {
    pub fn from_map(map: Map<String, Value>) -> Params {
        Params {
            map: Ok(map),
            json_sent_as_form: false,
        }
    }

    /// Whether the body was a JSON object sent with a form's content type,
    /// and so gave none of the parameters it holds.
    pub fn json_sent_as_form(&self) -> bool {
        self.json_sent_as_form
    }

    /// The parameters. Once one is read from a JSON body sent as a form,
    /// the request's parameter errors say how to send it (an error before,
    /// of the version header say, owes nothing to the body).
    fn map(&self) -> Result<&Map<String, Value>, ApiError> {
        if self.json_sent_as_form {
            note_json_sent_as_form();
        }
        self.map
            .as_ref()
            .map_err(|m| ApiError::BadRequest(m.clone()))
    }

    /// The value, `None` when absent, JSON `null` or the empty string.
    fn value(&self, name: &str) -> Result<Option<&Value>, ApiError> {
        Ok(self.map()?.get(name).filter(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            _ => true,
        }))
    }

    /// Text; numbers and booleans are taken as their JSON text.
    pub fn text(&self, name: &str, kind: ErrorKind) -> Result<Option<String>, ApiError> {
        match self.value(name)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(match whole_number(n) {
                Some(i) => i.to_string(),
                None => n.to_string(),
            })),
            Some(v @ Value::Bool(_)) => Ok(Some(v.to_string())),
            Some(_) => Err(kind(format!("{name} must be a string"))),
        }
    }

    /// Text that may be empty (an empty `description` is a value).
    pub fn text_or_empty(&self, name: &str, kind: ErrorKind) -> Result<Option<String>, ApiError> {
        match self.map()?.get(name) {
            Some(Value::String(s)) if s.is_empty() => Ok(Some(String::new())),
            _ => self.text(name, kind),
        }
    }

    /// An integer: a JSON integer or a decimal string.
    pub fn int(&self, name: &str, kind: ErrorKind) -> Result<Option<i64>, ApiError> {
        self.integer(name, || kind(format!("{name} must be an integer")))
    }

    /// An amount: an integer count of the currency's smallest unit. One
    /// that is not (`12.50`) is told so, with an example in `currency` when
    /// it is known.
    pub fn amount(
        &self,
        name: &str,
        currency: Option<Currency>,
        kind: ErrorKind,
    ) -> Result<Option<i64>, ApiError> {
        self.integer(name, || kind(not_an_integer(name, currency)))
    }

    fn integer(&self, name: &str, invalid: impl Fn() -> ApiError) -> Result<Option<i64>, ApiError> {
        match self.value(name)? {
            None => Ok(None),
            Some(Value::Number(n)) => whole_number(n).map(Some).ok_or_else(invalid),
            Some(Value::String(s)) => {
                let digits = s.strip_prefix('-').unwrap_or(s);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid());
                }
                s.parse::<i64>().map(Some).map_err(|_| invalid())
            }
            Some(_) => Err(invalid()),
        }
    }

    /// A boolean: `true`/`false`, `1`/`0` (php), or a JSON boolean.
    pub fn bool(&self, name: &str, kind: ErrorKind) -> Result<Option<bool>, ApiError> {
        let invalid = || kind(format!("{name} must be a boolean"));
        match self.value(name)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(0) => Ok(Some(false)),
                Some(1) => Ok(Some(true)),
                _ => Err(invalid()),
            },
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(invalid()),
            },
            Some(_) => Err(invalid()),
        }
    }

    /// A nested object (`card[number]=…` or `{"card":{…}}`); empty if absent.
    pub fn object(&self, name: &str, kind: ErrorKind) -> Result<Params, ApiError> {
        match self.value(name)? {
            None => Ok(Params::from_map(Map::new())),
            Some(Value::Object(map)) => Ok(Params::from_map(map.clone())),
            Some(_) => Err(kind(format!("{name} must be an object"))),
        }
    }

    /// A nested object as JSON (`metadata[key]=…` or `{"metadata":{…}}`).
    pub fn json_object(
        &self,
        name: &str,
        kind: ErrorKind,
    ) -> Result<Option<Map<String, Value>>, ApiError> {
        match self.value(name)? {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map.clone())),
            Some(_) => Err(kind(format!("{name} must be an object"))),
        }
    }

    /// The list parameters of section 6.
    pub fn window(&self, now: i64) -> Result<ListWindow, ApiError> {
        let bad = ApiError::BadRequest;
        let order = self.text("order", bad)?;
        let from = self.text("from", bad)?;
        let to = self.text("to", bad)?;
        let raw = WindowParams {
            limit: self.int("limit", bad)?,
            offset: self.int("offset", bad)?,
            order: order.as_deref(),
            from: from.as_deref(),
            to: to.as_deref(),
        };
        ListWindow::parse(&raw, now).map_err(|e| match e {
            WindowError::BadRequest(m) => ApiError::BadRequest(m),
            WindowError::InvalidDate(m) => ApiError::InvalidDateFormat(m),
        })
    }
}

/// The deepest bracket nesting a parameter key may have. The official
/// clients nest one level (`card[number]`, `filters[used]`); anything far
/// deeper is an attack on the parser, refused before a value is built.
pub const MAX_KEY_DEPTH: usize = 4;

/// Adds `key=value` pairs to `map`, nesting `a[b][c]` keys into objects.
/// A later pair wins over an earlier one. Keys nested deeper than
/// `MAX_KEY_DEPTH` are refused: the value would otherwise nest as deep as
/// an attacker likes, and dropping it recurses once per level.
fn insert_pair(map: &mut Map<String, Value>, key: &str, value: String) -> Result<(), String> {
    let (head, mut rest) = match key.find('[') {
        Some(i) if key.ends_with(']') => (&key[..i], &key[i..]),
        _ => {
            // An empty value is "not given": node's client sends `filters=`
            // beside flat `filters[used]=…` keys, which must survive it.
            if value.is_empty() && map.get(key).is_some_and(Value::is_object) {
                return Ok(());
            }
            map.insert(key.to_owned(), Value::String(value));
            return Ok(());
        }
    };
    let mut path = vec![head.to_owned()];
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(end) = stripped.find(']') else { break };
        if path.len() > MAX_KEY_DEPTH {
            let name: String = head.chars().take(40).collect();
            return Err(format!(
                "parameter {name} is nested too deeply (at most {MAX_KEY_DEPTH} levels of brackets)"
            ));
        }
        path.push(stripped[..end].to_owned());
        rest = &stripped[end + 1..];
    }
    let mut target = map;
    let last = path.pop().unwrap_or_default();
    for segment in path {
        let entry = target
            .entry(segment)
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else {
            return Ok(());
        };
        target = next;
    }
    target.insert(last, Value::String(value));
    Ok(())
}

/// A JSON number that is an integer: `2956` or `2956.0` (some encoders
/// write every number as a float), within `i64`.
fn whole_number(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        let f = n.as_f64()?;
        // 2^63 is exact as an f64; anything at or past it does not fit.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        (f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
    })
}

/// One `application/x-www-form-urlencoded` component: `+` is a space, and
/// the percent-decoded bytes must be UTF-8 (never replacement characters).
fn form_component(raw: &[u8]) -> Result<String, String> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    String::from_utf8(percent_encoding::percent_decode(&spaced).collect())
        .map_err(|_| "parameters must be valid UTF-8".to_owned())
}

fn parse_pairs(map: &mut Map<String, Value>, raw: &[u8]) -> Result<(), String> {
    for pair in raw.split(|&b| b == b'&').filter(|pair| !pair.is_empty()) {
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &pair[pair.len()..]),
        };
        insert_pair(map, &form_component(k)?, form_component(v)?)?;
    }
    Ok(())
}

/// Whether a form body is really one JSON object (`curl -d '{…}'` sends
/// it as `application/x-www-form-urlencoded`).
fn is_json_object(body: &[u8]) -> bool {
    body.starts_with(b"{")
        && body.ends_with(b"}")
        && serde_json::from_slice::<Map<String, Value>>(body).is_ok()
}

/// Merges a JSON object into `map`, keys of the body winning.
fn merge_json(map: &mut Map<String, Value>, raw: &[u8]) -> Result<(), String> {
    match serde_json::from_slice::<Value>(raw) {
        Ok(Value::Object(body)) => {
            map.extend(body);
            Ok(())
        }
        Ok(Value::Null) => Ok(()),
        Ok(_) => Err("the request body must be a JSON object".into()),
        Err(e) => Err(format!("the request body is not valid JSON: {e}")),
    }
}

impl FromRequest<AppState> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut map = Map::new();
        let mut problem = None;
        if let Some(query) = req.uri().query() {
            if let Err(e) = parse_pairs(&mut map, query.as_bytes()) {
                problem = Some(e);
            }
        }
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let body = axum::body::to_bytes(req.into_body(), state.config.body_limit)
            .await
            .map_err(|_| ApiError::TooLarge)?;
        let body_text = body.trim_ascii();
        // Read as a form all the same (Omise does), but its errors say why.
        let json_sent_as_form = content_type.starts_with("application/x-www-form-urlencoded")
            && is_json_object(body_text);
        if problem.is_none() && !body_text.is_empty() {
            let result = if content_type.starts_with("application/json")
                || (content_type.is_empty() && body_text.starts_with(b"{"))
            {
                merge_json(&mut map, body_text)
            } else if content_type.is_empty()
                || content_type.starts_with("application/x-www-form-urlencoded")
            {
                match std::str::from_utf8(body_text) {
                    Ok(_) => parse_pairs(&mut map, body_text),
                    Err(_) => Err("the request body must be valid UTF-8".into()),
                }
            } else {
                Err(format!("unsupported content type {content_type:?}"))
            };
            problem = result.err();
        }
        Ok(Params {
            map: problem.map_or(Ok(map), Err),
            json_sent_as_form,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(raw: &str) -> Map<String, Value> {
        let mut map = Map::new();
        parse_pairs(&mut map, raw.as_bytes()).unwrap();
        map
    }

    #[test]
    fn brackets_nest() {
        let map = parsed("card[number]=4242&card[name]=A+B&filters[used]=1&limit=5");
        assert_eq!(
            Value::Object(map),
            json!({"card": {"number": "4242", "name": "A B"}, "filters": {"used": "1"}, "limit": "5"})
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let mut map = Map::new();
        let ok = format!("a{}=1", "[a]".repeat(MAX_KEY_DEPTH));
        assert!(parse_pairs(&mut map, ok.as_bytes()).is_ok());
        let deep = format!("a{}=1", "[a]".repeat(MAX_KEY_DEPTH + 1));
        let err = parse_pairs(&mut map, deep.as_bytes()).unwrap_err();
        assert!(err.contains("nested too deeply"), "{err}");
        let attack = format!("a{}=1", "[a]".repeat(20_000));
        assert!(parse_pairs(&mut Map::new(), attack.as_bytes()).is_err());
    }

    fn depth(value: &Value) -> usize {
        // Iterative, like the parser: a test of deep input must not recurse.
        let mut deepest = 0;
        let mut stack = vec![(value, 0)];
        while let Some((v, d)) = stack.pop() {
            deepest = deepest.max(d);
            if let Value::Object(m) = v {
                stack.extend(m.values().map(|child| (child, d + 1)));
            }
        }
        deepest
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Any bytes at all: the parser answers, and never builds a value
        /// deeper than the limit.
        #[test]
        fn any_input_parses_or_is_refused(raw in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::prelude::Just(b'['), proptest::prelude::Just(b']'),
                proptest::prelude::Just(b'='), proptest::prelude::Just(b'&'),
                proptest::prelude::Just(b'%'), proptest::prelude::any::<u8>(),
            ], 0..400)) {
            let mut map = Map::new();
            if parse_pairs(&mut map, &raw).is_ok() {
                proptest::prop_assert!(depth(&Value::Object(map)) <= MAX_KEY_DEPTH + 1);
            }
            let _ = merge_json(&mut Map::new(), &raw);
        }

        /// Bracketed keys of any depth: refused past the limit, kept below it.
        #[test]
        fn nesting_is_bounded(levels in 0usize..64, name in "[a-z]{1,5}") {
            let key = format!("{name}{}=v", "[k]".repeat(levels));
            let mut map = Map::new();
            let parsed = parse_pairs(&mut map, key.as_bytes());
            proptest::prop_assert_eq!(parsed.is_ok(), levels <= MAX_KEY_DEPTH);
        }
    }

    #[test]
    fn an_empty_value_keeps_nested_keys() {
        assert_eq!(
            Value::Object(parsed("scope=link&filters[used]=true&filters=")),
            json!({"scope": "link", "filters": {"used": "true"}})
        );
        assert_eq!(Value::Object(parsed("filters=")), json!({"filters": ""}));
    }

    #[test]
    fn invalid_utf8_is_refused() {
        let mut map = Map::new();
        assert!(parse_pairs(&mut map, b"title=%FF%FE").is_err());
        assert!(parse_pairs(&mut map, "title=%E0%B8%BF".as_bytes()).is_ok());
        assert_eq!(map["title"], json!("฿"));
        // A replacement character that was sent is a character like any other.
        assert!(parse_pairs(&mut map, "a=%EF%BF%BD&b=x\u{FFFD}y+z&c".as_bytes()).is_ok());
        assert_eq!(map["a"], json!("\u{FFFD}"));
        assert_eq!(map["b"], json!("x\u{FFFD}y z"));
        assert_eq!(map["c"], json!(""));
    }

    #[test]
    fn lenient_types() {
        let p = Params::from_map(
            json!({"a": "12", "b": 12, "c": "1", "d": 0, "e": null, "f": "", "g": "1.5", "h": "99999999999999999999", "i": true})
                .as_object()
                .unwrap()
                .clone(),
        );
        let bad = ApiError::BadRequest;
        assert_eq!(p.int("a", bad).unwrap(), Some(12));
        assert_eq!(p.int("b", bad).unwrap(), Some(12));
        assert_eq!(p.bool("c", bad).unwrap(), Some(true));
        assert_eq!(p.bool("d", bad).unwrap(), Some(false));
        assert_eq!(p.int("e", bad).unwrap(), None);
        assert_eq!(p.int("f", bad).unwrap(), None);
        assert!(p.int("g", bad).is_err());
        let floats = Params::from_map(
            json!({"whole": 2956.0, "half": 2956.5, "huge": 1e19, "code": 7652.0})
                .as_object()
                .unwrap()
                .clone(),
        );
        assert_eq!(floats.int("whole", bad).unwrap(), Some(2956));
        assert!(floats.int("half", bad).is_err());
        assert!(floats.int("huge", bad).is_err());
        assert_eq!(floats.text("code", bad).unwrap().as_deref(), Some("7652"));
        assert!(p.int("h", bad).is_err());
        assert_eq!(p.bool("i", bad).unwrap(), Some(true));
        assert_eq!(p.text("b", bad).unwrap().as_deref(), Some("12"));
        assert_eq!(p.text_or_empty("f", bad).unwrap().as_deref(), Some(""));
        assert_eq!(p.text_or_empty("zz", bad).unwrap(), None);
    }
}
