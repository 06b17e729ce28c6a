//! The column layouts of the store exports `breach` knows, and of any other CSV given a
//! mapping. docs/affected.md says what each layout is based on.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// What a column means for the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The customer's e-mail address: who a person is.
    Email,
    /// The full name.
    Name,
    FirstName,
    LastName,
    /// When the order was placed.
    Date,
    /// The payment method (an id such as `stripe`, or a title such as `Shopify Payments`).
    PaymentMethod,
    /// The payment method's title, when the export has both.
    PaymentTitle,
    /// The billing country (code or name).
    Country,
    /// The billing state or region (code or name).
    Region,
    /// The region's name, when the export has both.
    RegionName,
    /// The order's id: rows repeating the previous row's order are its further line items.
    Order,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Email,
        Role::Name,
        Role::FirstName,
        Role::LastName,
        Role::Date,
        Role::PaymentMethod,
        Role::PaymentTitle,
        Role::Country,
        Role::Region,
        Role::RegionName,
        Role::Order,
    ];

    /// The name used in `--column ROLE=NAME` and mapping files.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Email => "email",
            Role::Name => "name",
            Role::FirstName => "first_name",
            Role::LastName => "last_name",
            Role::Date => "date",
            Role::PaymentMethod => "payment_method",
            Role::PaymentTitle => "payment_title",
            Role::Country => "country",
            Role::Region => "region",
            Role::RegionName => "region_name",
            Role::Order => "order",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// The layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// The orders CSV of WooCommerce's Customer/Order/Coupon Export extension.
    WoocommerceOrders,
    /// Shopify's orders export.
    ShopifyOrders,
    /// The customers download of WooCommerce Analytics.
    WoocommerceCustomers,
    /// Any CSV, with the columns given.
    Mapped,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::WoocommerceOrders => "woocommerce-orders",
            Format::ShopifyOrders => "shopify-orders",
            Format::WoocommerceCustomers => "woocommerce-customers",
            Format::Mapped => "mapped",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        [
            Format::WoocommerceOrders,
            Format::ShopifyOrders,
            Format::WoocommerceCustomers,
            Format::Mapped,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }

    /// A sentence for the operator.
    pub fn describe(self) -> &'static str {
        match self {
            Format::WoocommerceOrders => "WooCommerce orders (Customer/Order/Coupon Export)",
            Format::ShopifyOrders => "Shopify orders export",
            Format::WoocommerceCustomers => "WooCommerce Analytics customers download",
            Format::Mapped => "CSV with the columns given",
        }
    }

    /// The known layout's columns per role (the first header found of each list counts).
    fn columns(self) -> &'static [(Role, &'static [&'static str])] {
        match self {
            Format::WoocommerceOrders => &[
                (Role::Email, &["billing_email"]),
                (Role::FirstName, &["billing_first_name"]),
                (Role::LastName, &["billing_last_name"]),
                (Role::Date, &["order_date"]),
                (Role::PaymentMethod, &["payment_method"]),
                (Role::PaymentTitle, &["payment_method_title"]),
                (Role::Country, &["billing_country"]),
                (Role::Region, &["billing_state"]),
                (Role::Order, &["order_id", "order_number"]),
            ],
            Format::ShopifyOrders => &[
                (Role::Email, &["Email"]),
                (Role::Name, &["Billing Name"]),
                (Role::Date, &["Created at"]),
                (Role::PaymentMethod, &["Payment Method"]),
                (Role::Country, &["Billing Country"]),
                (Role::Region, &["Billing Province"]),
                (Role::RegionName, &["Billing Province Name"]),
                (Role::Order, &["Name"]),
            ],
            Format::WoocommerceCustomers => &[
                (Role::Email, &["Email"]),
                (Role::Name, &["Name"]),
                (Role::Country, &["Country / Region"]),
                (Role::Region, &["Region"]),
            ],
            Format::Mapped => &[],
        }
    }

    /// Whether a header is this layout's: the columns that tell the layouts apart.
    fn matches(self, headers: &[String]) -> bool {
        let has = |h: &str| headers.iter().any(|x| x == h);
        match self {
            Format::WoocommerceOrders => has("billing_email") && has("order_date"),
            Format::ShopifyOrders => has("Email") && has("Created at") && has("Billing Country"),
            Format::WoocommerceCustomers => has("Email") && has("Country / Region"),
            Format::Mapped => false,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mapping of roles to header names, for any other CSV.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping(pub BTreeMap<Role, String>);

/// Which column holds which role, as indexes into each record.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    index: BTreeMap<Role, usize>,
}

impl Columns {
    pub fn get(&self, role: Role) -> Option<usize> {
        self.index.get(&role).copied()
    }

    pub fn has(&self, role: Role) -> bool {
        self.index.contains_key(&role)
    }
}

/// Why the header cannot be read as a layout.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LayoutError {
    #[error(
        "the header matches none of the known exports (woocommerce-orders, shopify-orders, \
         woocommerce-customers); its columns are: {0}. Name the columns with --column \
         email=COLUMN (and country=, region=, date=, ...) or --map FILE"
    )]
    Unknown(String),
    #[error("the header has no column {column:?} (given for {role}); its columns are: {all}")]
    MissingColumn {
        role: &'static str,
        column: String,
        all: String,
    },
    #[error("the header is not a {format} export: it lacks the column {column:?}")]
    NotThatFormat {
        format: &'static str,
        column: &'static str,
    },
    #[error("--format mapped needs the columns: give --column email=COLUMN ... or --map FILE")]
    NoMapping,
    #[error("no column holds the e-mail address: give --column email=COLUMN")]
    NoEmail,
}

/// Picks the layout (the one asked for, else the one the header matches) and finds its
/// columns. Header names are compared trimmed.
pub fn resolve(
    headers: &[String],
    asked: Option<Format>,
    mapping: Option<&Mapping>,
) -> Result<(Format, Columns), LayoutError> {
    let all = || headers.join(", ");
    let format = match (asked, mapping) {
        (Some(Format::Mapped), None) => return Err(LayoutError::NoMapping),
        (Some(f), _) => f,
        (None, Some(_)) => Format::Mapped,
        (None, None) => [
            Format::WoocommerceOrders,
            Format::ShopifyOrders,
            Format::WoocommerceCustomers,
        ]
        .into_iter()
        .find(|f| f.matches(headers))
        .ok_or_else(|| LayoutError::Unknown(all()))?,
    };
    let find = |name: &str| headers.iter().position(|h| h == name.trim());
    let mut index = BTreeMap::new();
    for (role, names) in format.columns() {
        if let Some(i) = names.iter().find_map(|n| find(n)) {
            index.insert(*role, i);
        } else if *role == Role::Email {
            return Err(LayoutError::NotThatFormat {
                format: format.as_str(),
                column: names[0],
            });
        }
    }
    // A mapping given with a known layout adds to or overrides its columns.
    if let Some(m) = mapping {
        for (role, name) in &m.0 {
            let i = find(name).ok_or_else(|| LayoutError::MissingColumn {
                role: role.as_str(),
                column: name.clone(),
                all: all(),
            })?;
            index.insert(*role, i);
        }
    }
    if !index.contains_key(&Role::Email) {
        return Err(LayoutError::NoEmail);
    }
    Ok((format, Columns { index }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<String> {
        s.split(',').map(str::to_string).collect()
    }

    #[test]
    fn each_layout_is_detected_from_its_header() {
        let woo = h(
            "order_id,order_number,order_date,status,billing_first_name,billing_last_name,billing_email,billing_state,billing_country,payment_method,payment_method_title",
        );
        let (f, c) = resolve(&woo, None, None).unwrap();
        assert_eq!(f, Format::WoocommerceOrders);
        assert_eq!(c.get(Role::Email), Some(6));
        assert_eq!(c.get(Role::Order), Some(0));
        let shop = h(
            "Name,Email,Financial Status,Paid at,Created at,Billing Name,Billing Province,Billing Country,Payment Method,Billing Province Name",
        );
        assert_eq!(resolve(&shop, None, None).unwrap().0, Format::ShopifyOrders);
        let cust = h(
            "Name,Username,Last active,Date registered,Email,Orders,Total spend,AOV,Country / Region,City,Region,Postal code",
        );
        let (f, c) = resolve(&cust, None, None).unwrap();
        assert_eq!(f, Format::WoocommerceCustomers);
        assert!(!c.has(Role::Date));
    }

    #[test]
    fn unknown_headers_and_mappings() {
        let other = h("E-Mail,Land,Bundesland,Datum");
        assert!(matches!(
            resolve(&other, None, None),
            Err(LayoutError::Unknown(_))
        ));
        let mut m = Mapping::default();
        m.0.insert(Role::Email, "E-Mail".into());
        m.0.insert(Role::Country, "Land".into());
        let (f, c) = resolve(&other, None, Some(&m)).unwrap();
        assert_eq!((f, c.get(Role::Country)), (Format::Mapped, Some(1)));
        m.0.insert(Role::Region, "Region".into());
        assert!(matches!(
            resolve(&other, None, Some(&m)),
            Err(LayoutError::MissingColumn { .. })
        ));
        assert_eq!(
            resolve(&other, Some(Format::Mapped), None).unwrap_err(),
            LayoutError::NoMapping
        );
        assert!(matches!(
            resolve(&other, Some(Format::ShopifyOrders), None),
            Err(LayoutError::NotThatFormat { .. })
        ));
    }
}
