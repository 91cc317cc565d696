//! A `Search` as SQL: the `WHERE` clause and its values, for either
//! database. Column names come from fixed tables here, never from input.

use crate::domain::money::Currency;
use crate::domain::search::{
    AmountField, Filter, FlagField, Scope, Search, TextField, TimeField, to_minor,
};

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Int(i64),
    Flag(bool),
}

/// How a search is written on one database.
pub struct Syntax {
    /// A field of the card's JSON, as text.
    pub card_field: fn(&str) -> String,
    /// The case-insensitive `LIKE`.
    pub ilike: &'static str,
    /// The full-text index: for a query of at least three characters,
    /// given its placeholder, the rows to search as a `FROM` item driven by
    /// the index (the matches first, then their rows by primary key);
    /// `None` to use `ilike` on the searched text, which PostgreSQL's
    /// trigram index serves itself.
    /// The second placeholder is the `LIKE` pattern, for rows the index
    /// may not hold yet.
    pub indexed_from: Option<fn(Scope, &str, &str) -> String>,
    /// A stored column holding a charge's searched text, read instead of
    /// computing it (and parsing the card's JSON) for every candidate row.
    pub stored_charge_text: Option<&'static str>,
}

/// The text `query` is matched against, as one expression.
pub fn searched_text(scope: Scope, dialect: &Syntax) -> String {
    match (scope, dialect.stored_charge_text) {
        (Scope::Link, _) => "(id || ' ' || title || ' ' || description)".to_owned(),
        (Scope::Charge, Some(column)) => column.to_owned(),
        (Scope::Charge, None) => format!(
            "(id || ' ' || link_id || ' ' || description || ' ' || COALESCE({}, '') || ' ' \
             || COALESCE({}, '') || ' ' || COALESCE(failure_code, ''))",
            (dialect.card_field)("name"),
            (dialect.card_field)("last_digits")
        ),
    }
}

/// `FROM` and `WHERE`, and their values: the account and mode take `$1`
/// and `$2`.
pub struct Clause {
    pub from: String,
    pub sql: String,
    pub binds: Vec<Bind>,
}

impl Clause {
    fn push(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len() + 2)
    }
}

/// A `LIKE` pattern that finds `text` anywhere, its wildcards escaped.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Currencies grouped by their number of decimals.
fn by_exponent() -> Vec<(u32, Vec<&'static str>)> {
    let mut groups: Vec<(u32, Vec<&'static str>)> = Vec::new();
    for c in Currency::ALL {
        match groups.iter_mut().find(|(e, _)| *e == c.exponent()) {
            Some((_, codes)) => codes.push(c.code()),
            None => groups.push((c.exponent(), vec![c.code()])),
        }
    }
    groups
}

pub fn clause(search: &Search, dialect: &Syntax) -> Clause {
    let mut clause = Clause {
        from: match search.scope {
            Scope::Link => "links".to_owned(),
            Scope::Charge => "charges".to_owned(),
        },
        sql: match search.scope {
            Scope::Link => "account_id = $1 AND livemode = $2 AND deleted_at IS NULL".to_owned(),
            Scope::Charge => "account_id = $1 AND livemode = $2".to_owned(),
        },
        binds: vec![],
    };
    if let Some(query) = &search.query {
        match dialect.indexed_from {
            // A trigram index finds only what has three characters or more.
            Some(indexed) if query.chars().count() >= 3 => {
                let phrase = format!("\"{}\"", query.replace('"', "\"\""));
                let at = clause.push(Bind::Text(phrase));
                let like = clause.push(Bind::Text(contains_pattern(query)));
                clause.from = indexed(search.scope, &at, &like);
            }
            _ => {
                let at = clause.push(Bind::Text(contains_pattern(query)));
                let condition = format!(
                    "{} {} {at} ESCAPE '\\'",
                    searched_text(search.scope, dialect),
                    dialect.ilike
                );
                clause.sql.push_str(&format!(" AND {condition}"));
            }
        }
    }
    for filter in &search.filters {
        let condition = filter_sql(&mut clause, filter, dialect);
        clause.sql.push_str(&format!(" AND {condition}"));
    }
    clause
}

fn filter_sql(clause: &mut Clause, filter: &Filter, dialect: &Syntax) -> String {
    match filter {
        Filter::Amount { field, min, max } => {
            let column = match field {
                AmountField::Amount => "amount",
                AmountField::RefundedAmount => "refunded_amount",
            };
            // Main units mean a different number of minor units in each
            // currency: one condition per number of decimals.
            let parts: Vec<String> = by_exponent()
                .into_iter()
                .map(|(exponent, codes)| {
                    let codes = codes
                        .iter()
                        .map(|c| format!("'{c}'"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let mut part = format!("(currency IN ({codes})");
                    if let Some(min) = min {
                        let at = clause.push(Bind::Int(to_minor(*min, exponent, true)));
                        part.push_str(&format!(" AND {column} >= {at}"));
                    }
                    if let Some(max) = max {
                        let at = clause.push(Bind::Int(to_minor(*max, exponent, false)));
                        part.push_str(&format!(" AND {column} <= {at}"));
                    }
                    part.push(')');
                    part
                })
                .collect();
            format!("({})", parts.join(" OR "))
        }
        Filter::Time { field, from, to } => {
            let column = match field {
                TimeField::Created => "created_at",
                TimeField::UsedAt => "used_at",
                TimeField::CapturedAt => {
                    "(CASE WHEN status = 'successful' THEN COALESCE(completed_at, created_at) END)"
                }
            };
            let mut parts = vec![format!("{column} IS NOT NULL")];
            if let Some(from) = from {
                let at = clause.push(Bind::Int(*from));
                parts.push(format!("{column} >= {at}"));
            }
            if let Some(to) = to {
                let at = clause.push(Bind::Int(*to));
                parts.push(format!("{column} < {at}"));
            }
            format!("({})", parts.join(" AND "))
        }
        Filter::Flag { field, value } => {
            let expression = match field {
                FlagField::Multiple => "multiple",
                FlagField::Used => "(used_at IS NOT NULL)",
                FlagField::Paid => "(status = 'successful')",
                FlagField::Refunded => "(refunded_amount > 0)",
            };
            let at = clause.push(Bind::Flag(*value));
            format!("{expression} = {at}")
        }
        Filter::Text { field, value } => {
            let column = match field {
                TextField::Currency => "currency".to_owned(),
                TextField::CardLastDigits => (dialect.card_field)("last_digits"),
                TextField::FailureCode => "failure_code".to_owned(),
                TextField::Link => "link_id".to_owned(),
                TextField::Status => "status".to_owned(),
            };
            let at = clause.push(Bind::Text(value.clone()));
            format!("{column} = {at}")
        }
        Filter::Constant { matches: true } => "1 = 1".to_owned(),
        Filter::Constant { matches: false } => "1 = 0".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::SearchParams;

    const SQLITE: Syntax = Syntax {
        card_field: |f| format!("json_extract(card, '$.{f}')"),
        ilike: "LIKE",
        indexed_from: Some(|_, at, _| {
            format!(
                "(SELECT charge_id FROM charge_search WHERE charge_search MATCH {at}) AS found CROSS JOIN charges ON charges.id = found.charge_id"
            )
        }),
        stored_charge_text: None,
    };

    fn parsed(scope: &str, query: Option<&str>, filters: &[(&str, &str)]) -> Search {
        Search::parse(&SearchParams {
            scope: Some(scope),
            query,
            filters: filters
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..SearchParams::default()
        })
        .unwrap()
    }

    #[test]
    fn queries_use_the_index_from_three_characters() {
        let long = clause(&parsed("charge", Some("Ab\"c"), &[]), &SQLITE);
        assert!(long.from.contains("MATCH $3"), "{}", long.from);
        assert!(
            long.from.starts_with("(SELECT"),
            "driven by the index: {}",
            long.from
        );
        assert_eq!(
            long.binds,
            vec![
                Bind::Text("\"Ab\"\"c\"".into()),
                Bind::Text("%Ab\"c%".into())
            ]
        );
        let short = clause(&parsed("charge", Some("4_"), &[]), &SQLITE);
        assert!(short.sql.contains("LIKE $3 ESCAPE"), "{}", short.sql);
        assert_eq!(short.binds, vec![Bind::Text("%4\\_%".into())]);
    }

    #[test]
    fn amounts_bind_minor_units_per_currency() {
        let c = clause(&parsed("charge", None, &[("amount", "1000..")]), &SQLITE);
        // THB and most: 100000; JPY: 1000.
        assert!(c.binds.contains(&Bind::Int(100_000)));
        assert!(c.binds.contains(&Bind::Int(1_000)));
        assert!(c.sql.contains("'JPY'") && c.sql.contains("'THB'"));
        let all = clause(
            &parsed(
                "charge",
                Some("x"),
                &[("status", "failed"), ("paid", "no"), ("voided", "yes")],
            ),
            &SQLITE,
        );
        assert!(all.sql.contains("status = $4"), "{}", all.sql);
        assert!(
            all.sql.contains("(status = 'successful') = $5"),
            "{}",
            all.sql
        );
        assert!(all.sql.ends_with("1 = 0"), "{}", all.sql);
    }
}
