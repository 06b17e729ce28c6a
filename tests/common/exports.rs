//! A generator of realistic store exports, and of what an import of them must find.
//!
//! Each export has repeat customers, e-mail addresses in different case and with stray
//! spaces, orders just outside the breach window, payments by card and not by card, US
//! states written as codes, names and ISO 3166-2 codes, countries written as codes and as
//! native names, Shopify's further line-item rows, and a few broken rows (an unreadable
//! date, an address that is no e-mail, a row without a country). The generator decides
//! every row itself, so it knows exactly which people an import must count, where, and who
//! must be on the recipient list.

use std::collections::BTreeMap;

/// The layouts generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    WooOrders,
    ShopifyOrders,
    WooCustomers,
    /// A German CSV with its own headers, read with a mapping.
    Mapped,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub layout: Layout,
    pub seed: u64,
    /// People in the store's customer base.
    pub people: usize,
    /// Orders (the customer layout writes one row per person instead).
    pub orders: usize,
    /// Of the people, how many live in California (the rest are spread over other places).
    pub californians: usize,
    /// Whether the expected counts keep only card payments.
    pub card_only: bool,
}

/// The breach window every generated export is read with.
pub const FROM: &str = "2026-11-01T00:00:00Z";
pub const TO: &str = "2026-11-20T00:00:00Z";

/// What an import must find.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expected {
    pub rows_read: u64,
    pub total: u64,
    pub unplaced: u64,
    pub countries: BTreeMap<String, u64>,
    pub subdivisions: BTreeMap<String, u64>,
    /// e-mail (case-folded) → (name, jurisdiction code or "" when not placed).
    pub recipients: BTreeMap<String, (String, String)>,
    /// Rows with an unreadable date, an invalid e-mail address, no country.
    pub bad_dates: u64,
    pub bad_emails: u64,
    pub no_country: u64,
}

/// A small deterministic generator (xorshift64*), so every run writes the same file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A place: ISO code expected, and the spellings of country and region an export may use.
struct PlaceSpec {
    country: &'static [&'static str],
    region: &'static [&'static str],
    /// Shopify's `Billing Province Name`.
    region_name: &'static str,
    code: &'static str,
}

const CALIFORNIA: PlaceSpec = PlaceSpec {
    country: &["US", "USA", "United States"],
    region: &["CA", "California", "US-CA", "california"],
    region_name: "California",
    code: "US-CA",
};

const OTHERS: &[PlaceSpec] = &[
    PlaceSpec {
        country: &["US", "United States of America"],
        region: &["TX", "Texas"],
        region_name: "Texas",
        code: "US-TX",
    },
    PlaceSpec {
        country: &["US"],
        region: &["NY", "New York"],
        region_name: "New York",
        code: "US-NY",
    },
    PlaceSpec {
        country: &["DE", "Deutschland", "Germany"],
        region: &[""],
        region_name: "",
        code: "DE",
    },
    PlaceSpec {
        country: &["FR", "France"],
        region: &[""],
        region_name: "",
        code: "FR",
    },
    PlaceSpec {
        country: &["GB", "UK", "United Kingdom"],
        region: &[""],
        region_name: "",
        code: "GB",
    },
    PlaceSpec {
        country: &["JP", "Japan"],
        region: &[""],
        region_name: "",
        code: "JP",
    },
    // No country at all: the person cannot be placed.
    PlaceSpec {
        country: &[""],
        region: &[""],
        region_name: "",
        code: "",
    },
];

const FIRST: &[&str] = &[
    "Ann", "Bob", "Chloé", "Dmitri", "Eve", "Farah", "Günter", "Hana",
];
const LAST: &[&str] = &[
    "Lee", "Okafor", "Müller", "Smith", "García", "Tanaka", "Novak",
];

struct Person {
    email: String,
    first: String,
    last: String,
    place: &'static PlaceSpec,
}

/// Writes `e` with random case changes and stray spaces.
fn spell_email(rng: &mut Rng, e: &str) -> String {
    let mut out: String = e
        .chars()
        .map(|c| {
            if rng.chance(20) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    if rng.chance(10) {
        out = format!(" {out} ");
    }
    out
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn line(fields: &[&str]) -> String {
    let mut l = fields
        .iter()
        .map(|f| quote(f))
        .collect::<Vec<_>>()
        .join(",");
    l.push('\n');
    l
}

/// Generates the export (UTF-8 text) and what an import must find.
pub fn generate(spec: &Spec) -> (String, Expected) {
    let mut rng = Rng(spec.seed | 1);
    let people: Vec<Person> = (0..spec.people)
        .map(|i| Person {
            email: format!("customer{i}@shop{}.example", i % 7),
            first: FIRST[i % FIRST.len()].to_string(),
            last: LAST[(i / FIRST.len()) % LAST.len()].to_string(),
            place: if i < spec.californians {
                &CALIFORNIA
            } else {
                &OTHERS[i % OTHERS.len()]
            },
        })
        .collect();
    let mut exp = Expected::default();
    let mut affected = vec![false; people.len()];
    let mut text = String::new();
    match spec.layout {
        Layout::WooCustomers => {
            text.push_str(&line(&[
                "Name",
                "Username",
                "Last active",
                "Date registered",
                "Email",
                "Orders",
                "Total spend",
                "AOV",
                "Country / Region",
                "City",
                "Region",
                "Postal code",
            ]));
            for (i, p) in people.iter().enumerate() {
                let name = format!("{} {}", p.first, p.last);
                let country = p.place.country[rng.below(p.place.country.len())];
                let region = p.place.region[rng.below(p.place.region.len())];
                let email = spell_email(&mut rng, &p.email);
                text.push_str(&line(&[
                    &name,
                    &format!("user{i}"),
                    "2026-11-10",
                    "2025-01-02",
                    &email,
                    "3",
                    "120.00",
                    "40.00",
                    country,
                    "Somewhere",
                    region,
                    "12345",
                ]));
                exp.rows_read += 1;
                affected[i] = true;
                if p.place.code.is_empty() {
                    exp.no_country += 1;
                }
            }
            // A broken row: no e-mail address.
            text.push_str(&line(&[
                "Nobody",
                "nobody",
                "",
                "",
                "not-an-address",
                "0",
                "0",
                "0",
                "DE",
                "",
                "",
                "",
            ]));
            exp.rows_read += 1;
            exp.bad_emails += 1;
        }
        Layout::WooOrders | Layout::ShopifyOrders | Layout::Mapped => {
            let header: &[&str] = match spec.layout {
                Layout::WooOrders => &[
                    "order_id",
                    "order_number",
                    "order_date",
                    "status",
                    "billing_first_name",
                    "billing_last_name",
                    "billing_email",
                    "billing_state",
                    "billing_country",
                    "payment_method",
                    "payment_method_title",
                    "order_total",
                ],
                Layout::ShopifyOrders => &[
                    "Name",
                    "Email",
                    "Financial Status",
                    "Paid at",
                    "Created at",
                    "Lineitem name",
                    "Billing Name",
                    "Billing Province",
                    "Billing Country",
                    "Payment Method",
                    "Billing Province Name",
                ],
                _ => &[
                    "Bestellnummer",
                    "Bestelldatum",
                    "Kunde",
                    "E-Mail",
                    "Land",
                    "Bundesland",
                    "Zahlungsart",
                ],
            };
            text.push_str(&line(header));
            for o in 0..spec.orders {
                // Every person orders at least once (inside the window) before repeats.
                let pi = if o < people.len() {
                    o
                } else {
                    rng.below(people.len())
                };
                let p = &people[pi];
                let mut inside = true;
                let mut date = format!(
                    "2026-11-{:02} {:02}:{:02}:{:02}",
                    2 + rng.below(17),
                    rng.below(24),
                    rng.below(60),
                    rng.below(60)
                );
                // A tenth of the people first order just before the window opens, and
                // another tenth pay that first order by bank transfer or PayPal; only a
                // later order (if any) can make them affected.
                let first_outside = o < people.len() && o % 10 == 9;
                if first_outside || (o >= people.len() && rng.chance(8)) {
                    // Just outside the window, on either side.
                    inside = false;
                    date = if rng.chance(50) {
                        "2026-10-31 23:59:59".into()
                    } else {
                        "2026-11-20 00:00:01".into()
                    };
                }
                let mut bad_date = false;
                let mut bad_email = false;
                if o >= people.len() && rng.chance(2) {
                    bad_date = true;
                    date = "31/11/2026".into();
                } else if o >= people.len() && rng.chance(2) {
                    bad_email = true;
                }
                let card = if o < people.len() {
                    o % 10 != 8
                } else {
                    rng.chance(75)
                };
                let email = if bad_email {
                    format!("{} at example", p.first)
                } else {
                    spell_email(&mut rng, &p.email)
                };
                let country = p.place.country[rng.below(p.place.country.len())];
                let region = p.place.region[rng.below(p.place.region.len())];
                let order_id = format!("{}", 1000 + o);
                let items = if rng.chance(20) { 2 } else { 1 };
                for item in 0..items {
                    let row = match spec.layout {
                        Layout::WooOrders => {
                            let (m, t) = if card {
                                ("stripe", "Credit Card (Stripe)")
                            } else if rng.chance(50) {
                                ("bacs", "Direct bank transfer")
                            } else {
                                ("ppcp-gateway", "PayPal")
                            };
                            line(&[
                                &order_id,
                                &order_id,
                                &date,
                                "wc-completed",
                                &p.first,
                                &p.last,
                                &email,
                                region,
                                country,
                                m,
                                t,
                                "42.00",
                            ])
                        }
                        Layout::ShopifyOrders => {
                            let shop_date = if bad_date {
                                date.clone()
                            } else {
                                format!("{date} +0000")
                            };
                            let name = format!("#{order_id}");
                            let method = if card {
                                "Shopify Payments"
                            } else {
                                "PayPal Express Checkout"
                            };
                            if item == 0 {
                                line(&[
                                    &name,
                                    &email,
                                    "paid",
                                    &shop_date,
                                    &shop_date,
                                    "Mug",
                                    &format!("{} {}", p.first, p.last),
                                    region,
                                    country,
                                    method,
                                    p.place.region_name,
                                ])
                            } else {
                                // A further line item: the order's fields are left empty.
                                line(&[
                                    &name, &email, "", "", &shop_date, "Tea", "", "", "", "", "",
                                ])
                            }
                        }
                        _ => {
                            let method = if card { "Kreditkarte" } else { "Vorkasse" };
                            line(&[
                                &order_id,
                                &date,
                                &format!("{} {}", p.first, p.last),
                                &email,
                                country,
                                region,
                                method,
                            ])
                        }
                    };
                    text.push_str(&row);
                    exp.rows_read += 1;
                }
                // In the order the import checks a row: date, window, payment, e-mail.
                if bad_date {
                    exp.bad_dates += 1;
                    continue;
                }
                if !inside {
                    continue;
                }
                if spec.card_only && !card {
                    continue;
                }
                if bad_email {
                    exp.bad_emails += 1;
                    continue;
                }
                if p.place.code.is_empty() {
                    exp.no_country += 1;
                }
                affected[pi] = true;
            }
        }
    }
    for (p, hit) in people.iter().zip(&affected) {
        if !hit {
            continue;
        }
        exp.total += 1;
        let code = p.place.code;
        if code.is_empty() {
            exp.unplaced += 1;
        } else {
            let country = code.split('-').next().unwrap_or(code);
            *exp.countries.entry(country.to_string()).or_default() += 1;
            if code.contains('-') {
                *exp.subdivisions.entry(code.to_string()).or_default() += 1;
            }
        }
        exp.recipients.insert(
            p.email.clone(),
            (format!("{} {}", p.first, p.last), code.to_string()),
        );
    }
    (text, exp)
}

/// `text` as Excel's UTF-16 little endian with a byte-order mark.
pub fn utf16le(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// `text` as UTF-8 with a byte-order mark.
pub fn utf8_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    out.extend_from_slice(text.as_bytes());
    out
}

/// `text` as Latin-1 (every character of the generator's names is in Latin-1).
pub fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect()
}
