//! Who is affected: the people and places of a store's own export (orders or customers),
//! counted for the legal clocks.
//!
//! [`import`] streams a CSV once: it finds the encoding ([`decode`]) and the layout
//! ([`layout`]) from the first bytes and the header, keeps the orders inside the breach window
//! (and, if asked, paid by the chosen methods), and counts distinct people (e-mail trimmed
//! and case-folded) per country and per ISO 3166-2 subdivision ([`places`]). Nothing here
//! prints or knows the command line; progress is reported through a callback.

pub mod decode;
pub mod layout;
pub mod places;

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read};
use std::rc::Rc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;

pub use decode::{Encoding, EncodingChoice};
pub use layout::{Format, Mapping, Role};
pub use places::Place;

use layout::Columns;
use places::{PlaceProblem, Resolver};

/// What to import and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The layout; `None` detects it from the header.
    pub format: Option<Format>,
    /// Columns given by the operator (the layout becomes `mapped` unless one is asked).
    pub mapping: Option<Mapping>,
    pub encoding: EncodingChoice,
    /// The breach window: orders placed from `from` to `to` (both included) are kept.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// The window was given by the operator (`--from`/`--to`), not taken from the answers:
    /// a layout without order dates is then refused rather than read whole.
    pub window_given: bool,
    /// Keep only orders paid by a method judged to be a card payment.
    pub card_only: bool,
    /// Keep only orders paid by these methods (id or title, case-insensitive).
    pub payment_methods: Vec<String>,
}

/// Why a row was not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dropped {
    /// A further line item of the order on the row before.
    SameOrder,
    /// Placed before the window started.
    BeforeWindow,
    /// Placed after the window ended.
    AfterWindow,
    /// Paid by a method not kept.
    PaymentMethod,
    /// The order date could not be read (the window needs it).
    BadDate,
    /// No e-mail address.
    NoEmail,
    /// Not an e-mail address.
    BadEmail,
    /// The row is not valid CSV (or not valid UTF-8).
    BadRow,
}

impl Dropped {
    pub fn describe(self) -> &'static str {
        match self {
            Dropped::SameOrder => "further line items of an order already read",
            Dropped::BeforeWindow => "placed before the breach window",
            Dropped::AfterWindow => "placed after the breach window",
            Dropped::PaymentMethod => "paid by a payment method not kept",
            Dropped::BadDate => "order date not understood",
            Dropped::NoEmail => "no e-mail address",
            Dropped::BadEmail => "e-mail address not valid",
            Dropped::BadRow => "not a valid CSV row",
        }
    }
}

/// One problem found on a row. Messages never carry personal data (no e-mail, no name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The 1-based line of the file where the row starts.
    pub line: u64,
    pub problem: String,
}

/// How many issues are kept with their line numbers.
pub const ISSUES_KEPT: usize = 20;

/// A payment method found in the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Method {
    /// Rows (orders) inside the window paid by it.
    pub orders: u64,
    /// Whether `--card-only` counts it as a card payment.
    pub card: bool,
    /// Whether its orders were kept.
    pub kept: bool,
}

/// One affected person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// The e-mail address, trimmed and case-folded: the person's identity.
    pub email: String,
    /// The name of the latest order kept (may be empty).
    pub name: String,
    /// Where they live (from their latest order kept that could be placed).
    pub place: Option<Place>,
    /// Orders kept.
    pub orders: u64,
    #[serde(skip)]
    latest: Option<DateTime<Utc>>,
}

/// What an import found.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub format: Format,
    pub encoding: Encoding,
    /// Data rows read (the header not counted).
    pub rows_read: u64,
    /// Rows counted.
    pub rows_kept: u64,
    /// Rows not counted, by reason.
    pub dropped: BTreeMap<Dropped, u64>,
    /// Whether the breach window was applied (a layout without order dates cannot be).
    pub window_applied: bool,
    /// The payment methods found, by name.
    pub methods: BTreeMap<String, Method>,
    /// The first [`ISSUES_KEPT`] problems, with their lines.
    pub issues: Vec<Issue>,
    /// How many problems there were in all.
    pub issue_count: u64,
    /// Distinct people per country (ISO 3166-1).
    pub countries: BTreeMap<String, u64>,
    /// Distinct people per subdivision (ISO 3166-2), where the region was recognised.
    pub subdivisions: BTreeMap<String, u64>,
    /// People who could not be placed (no or unknown country).
    pub unplaced: u64,
    /// The affected people, by e-mail.
    #[serde(skip)]
    pub people: Vec<Person>,
}

impl Outcome {
    /// Distinct people.
    pub fn total(&self) -> u64 {
        self.people.len() as u64
    }

    /// The places for the jurisdictions question: each person's most precise place code
    /// (the subdivision where recognised, else the country), sorted.
    pub fn places(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .people
            .iter()
            .filter_map(|p| p.place.as_ref().map(|pl| pl.code().to_string()))
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Why an import failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Encoding(#[from] decode::EncodingError),
    #[error("{0}")]
    Layout(#[from] layout::LayoutError),
    #[error("the file has no header row")]
    NoHeader,
    #[error("the header row cannot be read: {0}")]
    BadHeader(String),
    #[error(
        "the {0} layout has no order date, so the breach window cannot be applied: every \
         customer in it counts; leave out --from/--to"
    )]
    NoDates(&'static str),
    #[error("the {0} layout has no payment method column; leave out --card-only/--payment-method")]
    NoPayments(&'static str),
    #[error("line {line}: {problem}")]
    Fatal { line: u64, problem: String },
}

/// Words in a payment method's id or title that mean it takes card details on the checkout.
const CARD_WORDS: &[&str] = &[
    "card",
    "credit",
    "debit",
    "stripe",
    "visa",
    "mastercard",
    "amex",
    "braintree",
    "authorize",
    "square",
    "shopify payments",
    "woocommerce_payments",
    "adyen",
    "worldpay",
    "opayo",
    "sagepay",
    "cybersource",
    "checkout.com",
    "mollie_wc_gateway_creditcard",
];

/// Whether a payment method looks like a card payment (gift cards do not count).
pub fn is_card(method: &str) -> bool {
    let m = method.to_lowercase();
    !m.contains("gift") && CARD_WORDS.iter().any(|w| m.contains(w))
}

/// A light check of an e-mail address (already trimmed): one `@`, something before it, a
/// dot in the domain, no spaces.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// When an order was placed: an instant, or a whole day when the export gives only a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    At(DateTime<Utc>),
    Day(NaiveDate),
}

/// Reads an order date as the exports write it: RFC 3339, Shopify's `2026-11-02 14:05:09
/// +0100`, WooCommerce's `2026-11-02 14:05:09` (a time without offset is taken as UTC), or a
/// date alone.
pub fn parse_when(s: &str) -> Option<When> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(When::At(t.with_timezone(&Utc)));
    }
    for f in ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(When::At(t.with_timezone(&Utc)));
        }
    }
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(When::At(Utc.from_utc_datetime(&t)));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(When::Day)
}

impl When {
    /// Where it lies against the window: a day counts as inside when any part of it is.
    fn against(self, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Option<Dropped> {
        let (start, end) = match self {
            When::At(t) => (t, t),
            When::Day(d) => {
                let start = Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?);
                (start, start + chrono::TimeDelta::seconds(86_399))
            }
        };
        if from.is_some_and(|f| end < f) {
            Some(Dropped::BeforeWindow)
        } else if to.is_some_and(|t| start > t) {
            Some(Dropped::AfterWindow)
        } else {
            None
        }
    }

    fn instant(self) -> DateTime<Utc> {
        match self {
            When::At(t) => t,
            When::Day(d) => Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()),
        }
    }
}

/// Counts bytes read, for progress.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// How often (in rows) progress is reported.
const PROGRESS_EVERY: u64 = 16_384;

/// Imports one export. `progress` is called now and then with the bytes of the file read so
/// far, and once at the end.
pub fn import<R: Read + 'static>(
    input: R,
    opts: &Options,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome, ImportError> {
    let count = Rc::new(Cell::new(0));
    let counting = Counting {
        inner: input,
        count: count.clone(),
    };
    let (encoding, reader) = decode::open(counting, opts.encoding)??;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(reader);
    let mut record = csv::StringRecord::new();
    let header = match csv.read_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|h| h.trim().to_string())
            .collect::<Vec<_>>(),
        Ok(false) => return Err(ImportError::NoHeader),
        Err(e) => return Err(ImportError::BadHeader(csv_problem(&e))),
    };
    let (format, columns) = layout::resolve(&header, opts.format, opts.mapping.as_ref())?;
    let any_window = opts.from.is_some() || opts.to.is_some();
    let has_dates = columns.has(Role::Date);
    if any_window && opts.window_given && !has_dates {
        return Err(ImportError::NoDates(format.as_str()));
    }
    let pays = columns.has(Role::PaymentMethod) || columns.has(Role::PaymentTitle);
    if (opts.card_only || !opts.payment_methods.is_empty()) && !pays {
        return Err(ImportError::NoPayments(format.as_str()));
    }
    let mut state = State {
        opts,
        columns,
        window: has_dates && any_window,
        resolver: Resolver::new(),
        people: HashMap::new(),
        outcome: Outcome {
            format,
            encoding,
            rows_read: 0,
            rows_kept: 0,
            dropped: BTreeMap::new(),
            window_applied: has_dates && any_window,
            methods: BTreeMap::new(),
            issues: Vec::new(),
            issue_count: 0,
            countries: BTreeMap::new(),
            subdivisions: BTreeMap::new(),
            unplaced: 0,
            people: Vec::new(),
        },
        previous_order: String::new(),
        chosen: opts
            .payment_methods
            .iter()
            .map(|m| m.trim().to_lowercase())
            .collect(),
    };
    loop {
        let line = csv.position().line();
        match csv.read_record(&mut record) {
            Ok(true) => state.row(&record, line),
            Ok(false) => break,
            Err(e) => {
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                if fatal {
                    return Err(ImportError::Fatal {
                        line,
                        problem: csv_problem(&e),
                    });
                }
                state.outcome.rows_read += 1;
                state.drop_row(Dropped::BadRow, line, csv_problem(&e));
            }
        }
        if state.outcome.rows_read.is_multiple_of(PROGRESS_EVERY) {
            progress(count.get());
        }
    }
    progress(count.get());
    Ok(state.finish())
}

fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "not valid UTF-8 (if the file is Latin-1, pass --encoding latin1)".to_string()
        }
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => "not a valid CSV row".to_string(),
    }
}

struct State<'a> {
    opts: &'a Options,
    columns: Columns,
    window: bool,
    resolver: Resolver,
    people: HashMap<String, Person>,
    outcome: Outcome,
    previous_order: String,
    chosen: Vec<String>,
}

impl State<'_> {
    fn field<'r>(&self, record: &'r csv::StringRecord, role: Role) -> &'r str {
        self.columns
            .get(role)
            .and_then(|i| record.get(i))
            .map_or("", str::trim)
    }

    fn issue(&mut self, line: u64, problem: String) {
        self.outcome.issue_count += 1;
        if self.outcome.issues.len() < ISSUES_KEPT {
            self.outcome.issues.push(Issue { line, problem });
        }
    }

    fn drop_row(&mut self, why: Dropped, line: u64, problem: String) {
        *self.outcome.dropped.entry(why).or_default() += 1;
        if matches!(
            why,
            Dropped::BadDate | Dropped::NoEmail | Dropped::BadEmail | Dropped::BadRow
        ) {
            self.issue(line, problem);
        }
    }

    fn row(&mut self, record: &csv::StringRecord, line: u64) {
        self.outcome.rows_read += 1;
        if record.iter().all(|f| f.trim().is_empty()) {
            self.outcome.rows_read -= 1;
            return;
        }
        if self.columns.has(Role::Order) {
            let order = self.field(record, Role::Order);
            if !order.is_empty() && order == self.previous_order {
                *self.outcome.dropped.entry(Dropped::SameOrder).or_default() += 1;
                return;
            }
            self.previous_order.clear();
            self.previous_order.push_str(order);
        }
        let mut when = None;
        if self.columns.has(Role::Date) {
            let raw = self.field(record, Role::Date);
            when = parse_when(raw);
            if self.window {
                let Some(w) = when else {
                    let problem = if raw.is_empty() {
                        "no order date".to_string()
                    } else {
                        format!("order date {raw:?} not understood")
                    };
                    return self.drop_row(Dropped::BadDate, line, problem);
                };
                if let Some(outside) = w.against(self.opts.from, self.opts.to) {
                    return self.drop_row(outside, line, String::new());
                }
            }
        }
        let method = self.field(record, Role::PaymentMethod);
        let title = self.field(record, Role::PaymentTitle);
        if !method.is_empty() || !title.is_empty() {
            let name = if method.is_empty() { title } else { method };
            let card = is_card(method) || is_card(title);
            let kept = (!self.opts.card_only || card)
                && (self.chosen.is_empty()
                    || self
                        .chosen
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(method) || c.eq_ignore_ascii_case(title)));
            let entry = self
                .outcome
                .methods
                .entry(name.to_string())
                .or_insert(Method {
                    orders: 0,
                    card,
                    kept,
                });
            entry.orders += 1;
            if !kept {
                return self.drop_row(Dropped::PaymentMethod, line, String::new());
            }
        } else if self.opts.card_only || !self.chosen.is_empty() {
            let entry = self.outcome.methods.entry(String::new()).or_insert(Method {
                orders: 0,
                card: false,
                kept: false,
            });
            entry.orders += 1;
            return self.drop_row(Dropped::PaymentMethod, line, String::new());
        }
        let email = self.field(record, Role::Email);
        if email.is_empty() {
            return self.drop_row(Dropped::NoEmail, line, "no e-mail address".to_string());
        }
        if !valid_email(email) {
            return self.drop_row(
                Dropped::BadEmail,
                line,
                "the e-mail address is not valid".to_string(),
            );
        }
        let place = match self.resolver.place(
            self.field(record, Role::Country),
            self.field(record, Role::Region),
            self.field(record, Role::RegionName),
        ) {
            Ok((p, problem)) => {
                if problem == Some(PlaceProblem::UnknownRegion) {
                    let region = self.field(record, Role::Region);
                    self.issue(
                        line,
                        format!(
                            "region {region:?} is not a subdivision of {}; counted in the \
                             country only",
                            p.country
                        ),
                    );
                }
                Some(p)
            }
            Err(PlaceProblem::NoCountry) => {
                self.issue(line, "no country: the person cannot be placed".to_string());
                None
            }
            Err(_) => {
                let country = self.field(record, Role::Country);
                self.issue(
                    line,
                    format!("country {country:?} not recognised: the person cannot be placed"),
                );
                None
            }
        };
        let name = match self.field(record, Role::Name) {
            "" => {
                let first = self.field(record, Role::FirstName);
                let last = self.field(record, Role::LastName);
                format!("{first} {last}").trim().to_string()
            }
            n => n.to_string(),
        };
        self.outcome.rows_kept += 1;
        // Most addresses are lower case already: fold (and allocate) only when needed.
        let lowered;
        let key: &str = if email
            .bytes()
            .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
        {
            lowered = email.to_lowercase();
            &lowered
        } else {
            email
        };
        let at = when.map(When::instant);
        match self.people.get_mut(key) {
            Some(p) => {
                p.orders += 1;
                // The latest order tells where the person lives now; a row that cannot be
                // placed never replaces a place.
                let newer = match (at, p.latest) {
                    (Some(a), Some(b)) => a >= b,
                    _ => true,
                };
                if newer {
                    if at.is_some() {
                        p.latest = at;
                    }
                    if place.is_some() {
                        p.place = place;
                    }
                    if !name.is_empty() {
                        p.name = name;
                    }
                } else if p.place.is_none() {
                    p.place = place;
                }
            }
            None => {
                let key = key.to_string();
                self.people.insert(
                    key.clone(),
                    Person {
                        email: key,
                        name,
                        place,
                        orders: 1,
                        latest: at,
                    },
                );
            }
        }
    }

    fn finish(mut self) -> Outcome {
        let mut people: Vec<Person> = self.people.into_values().collect();
        people.sort_by(|a, b| a.email.cmp(&b.email));
        for p in &people {
            match &p.place {
                Some(pl) => {
                    *self
                        .outcome
                        .countries
                        .entry(pl.country.to_string())
                        .or_default() += 1;
                    if let Some(s) = pl.subdivision {
                        *self.outcome.subdivisions.entry(s.to_string()).or_default() += 1;
                    }
                }
                None => self.outcome.unplaced += 1,
            }
        }
        self.outcome.people = people;
        self.outcome
    }
}

#[cfg(test)]
mod tests;
