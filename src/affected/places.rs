//! Place names and codes, as shops write them, to ISO 3166 codes: `US`, `USA`, `United
//! States`; `CA`, `US-CA`, `California`; `DE`, `Deutschland`.
//!
//! The codes and English names come from the `rust_iso3166` crate (ISO 3166-1 countries and
//! every ISO 3166-2 subdivision); a short table below adds the everyday and native country
//! names a checkout also receives ("USA", "UK", "Deutschland", "España").

use std::collections::HashMap;

use serde::Serialize;

/// Where a person lives, as ISO 3166 codes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Place {
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: &'static str,
    /// ISO 3166-2, e.g. `US-CA`, when the region was recognised.
    pub subdivision: Option<&'static str>,
}

impl Place {
    /// The most precise code: the subdivision's, else the country's.
    pub fn code(&self) -> &str {
        self.subdivision.unwrap_or(self.country)
    }
}

/// Why a row's place could not be (fully) read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceProblem {
    /// No country given.
    NoCountry,
    /// A country value that is no ISO 3166 code or known name.
    UnknownCountry,
    /// The country is known but the region is not one of its subdivisions; the person is
    /// placed in the country.
    UnknownRegion,
}

/// Everyday and native names of countries, which the ISO list does not carry.
const ALIASES: &[(&str, &str)] = &[
    ("usa", "US"),
    ("u.s.a.", "US"),
    ("u.s.", "US"),
    ("united states", "US"),
    ("america", "US"),
    ("uk", "GB"),
    ("u.k.", "GB"),
    ("united kingdom", "GB"),
    ("great britain", "GB"),
    ("britain", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northern ireland", "GB"),
    ("deutschland", "DE"),
    ("allemagne", "DE"),
    ("österreich", "AT"),
    ("oesterreich", "AT"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
    ("svizzera", "CH"),
    ("españa", "ES"),
    ("espana", "ES"),
    ("italia", "IT"),
    ("nederland", "NL"),
    ("netherlands", "NL"),
    ("the netherlands", "NL"),
    ("holland", "NL"),
    ("belgië", "BE"),
    ("belgie", "BE"),
    ("belgique", "BE"),
    ("polska", "PL"),
    ("sverige", "SE"),
    ("norge", "NO"),
    ("danmark", "DK"),
    ("suomi", "FI"),
    ("éire", "IE"),
    ("eire", "IE"),
    ("česko", "CZ"),
    ("czech republic", "CZ"),
    ("magyarország", "HU"),
    ("ελλάδα", "GR"),
    ("hellas", "GR"),
    ("россия", "RU"),
    ("russia", "RU"),
    ("日本", "JP"),
    ("south korea", "KR"),
    ("korea", "KR"),
    ("brasil", "BR"),
    ("méxico", "MX"),
    ("turkey", "TR"),
    ("türkiye", "TR"),
    ("vietnam", "VN"),
    ("iran", "IR"),
    ("taiwan", "TW"),
];

/// Resolves places, remembering every value already seen (an export repeats the same few
/// hundred place values a million times).
#[derive(Default)]
pub struct Resolver {
    names: HashMap<String, &'static str>,
    countries: HashMap<String, Option<&'static str>>,
    regions: HashMap<&'static str, HashMap<String, Option<&'static str>>>,
    /// Per country: subdivision name (case-folded) to code.
    region_names: HashMap<&'static str, HashMap<String, &'static str>>,
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Resolver {
    pub fn new() -> Resolver {
        let mut names = HashMap::new();
        for (alias, code) in ALIASES {
            names.insert((*alias).to_string(), *code);
        }
        for c in rust_iso3166::ALL {
            let full = fold(c.name);
            names.entry(full.clone()).or_insert(c.alpha2);
            // "Iran (Islamic Republic of)" is also "Iran"; "Bolivia, Plurinational State of"
            // also "Bolivia".
            if let Some(short) = full.split([',', '(']).next().map(str::trim)
                && short != full
            {
                names.entry(short.to_string()).or_insert(c.alpha2);
            }
        }
        Resolver {
            names,
            ..Resolver::default()
        }
    }

    /// The ISO 3166-1 alpha-2 code for a country value (a code or a name).
    pub fn country(&mut self, raw: &str) -> Option<&'static str> {
        if let Some(known) = self.countries.get(raw) {
            return *known;
        }
        let found = self.country_uncached(raw);
        self.countries.insert(raw.to_string(), found);
        found
    }

    fn country_uncached(&self, raw: &str) -> Option<&'static str> {
        let t = raw.trim();
        let upper = t.to_uppercase();
        let code = upper.split_once('-').map_or(upper.as_str(), |(c, _)| c);
        match code.len() {
            2 if code == "UK" => return Some("GB"),
            2 => {
                if let Some(c) = rust_iso3166::from_alpha2(code) {
                    return Some(c.alpha2);
                }
            }
            3 => {
                if let Some(c) = rust_iso3166::from_alpha3(code) {
                    return Some(c.alpha2);
                }
            }
            _ => {}
        }
        self.names.get(&fold(t)).copied()
    }

    /// The ISO 3166-2 code for a region of `country`, given as a code (`CA`, `US-CA`) or a
    /// name (`California`).
    pub fn region(&mut self, country: &'static str, raw: &str) -> Option<&'static str> {
        if let Some(known) = self.regions.get(country).and_then(|m| m.get(raw)) {
            return *known;
        }
        let found = self.region_uncached(country, raw);
        self.regions
            .entry(country)
            .or_default()
            .insert(raw.to_string(), found);
        found
    }

    fn region_uncached(&mut self, country: &'static str, raw: &str) -> Option<&'static str> {
        let t = raw.trim();
        let upper = t.to_uppercase();
        let full = if upper.starts_with(&format!("{country}-")) {
            upper.clone()
        } else {
            format!("{country}-{upper}")
        };
        if let Some(s) = rust_iso3166::iso3166_2::from_code(&full) {
            return Some(s.code);
        }
        let by_name = self.region_names.entry(country).or_insert_with(|| {
            rust_iso3166::iso3166_2::SUBDIVISION_COUNTRY_MAP
                .get(country)
                .map(|subs| subs.iter().map(|s| (fold(s.name), s.code)).collect())
                .unwrap_or_default()
        });
        by_name.get(&fold(t)).copied()
    }

    /// Places a row from its country and region values (`region` may be a code or a name;
    /// `region_name` is tried when `region` is not recognised). A country given as a full
    /// subdivision code (`US-CA`) carries its region.
    pub fn place(
        &mut self,
        country: &str,
        region: &str,
        region_name: &str,
    ) -> Result<(Place, Option<PlaceProblem>), PlaceProblem> {
        if country.trim().is_empty() {
            return Err(PlaceProblem::NoCountry);
        }
        let code = self.country(country).ok_or(PlaceProblem::UnknownCountry)?;
        let mut subdivision = None;
        let mut tried = false;
        if country.trim().len() > 3 && country.contains('-') {
            tried = true;
            subdivision = self.region(code, country);
        }
        for value in [region, region_name] {
            if subdivision.is_none() && !value.trim().is_empty() {
                tried = true;
                subdivision = self.region(code, value);
            }
        }
        let problem = (tried && subdivision.is_none()).then_some(PlaceProblem::UnknownRegion);
        Ok((
            Place {
                country: code,
                subdivision,
            },
            problem,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: &mut Resolver, c: &str, reg: &str) -> String {
        r.place(c, reg, "").unwrap().0.code().to_string()
    }

    #[test]
    fn codes_and_names_of_states_and_countries() {
        let mut r = Resolver::new();
        assert_eq!(code(&mut r, "US", "CA"), "US-CA");
        assert_eq!(code(&mut r, "US", "US-CA"), "US-CA");
        assert_eq!(code(&mut r, "United States", "California"), "US-CA");
        assert_eq!(code(&mut r, "usa", "texas"), "US-TX");
        assert_eq!(code(&mut r, "US-CA", ""), "US-CA");
        assert_eq!(code(&mut r, "Deutschland", ""), "DE");
        assert_eq!(code(&mut r, "DE", ""), "DE");
        assert_eq!(code(&mut r, "DEU", ""), "DE");
        assert_eq!(code(&mut r, "Germany", "BY"), "DE-BY");
        assert_eq!(code(&mut r, "UK", ""), "GB");
        assert_eq!(code(&mut r, "Iran", ""), "IR");
        assert_eq!(code(&mut r, " japan ", ""), "JP");
    }

    #[test]
    fn problems_are_told_apart() {
        let mut r = Resolver::new();
        assert_eq!(r.place("", "CA", ""), Err(PlaceProblem::NoCountry));
        assert_eq!(
            r.place("Atlantis", "", ""),
            Err(PlaceProblem::UnknownCountry)
        );
        let (p, problem) = r.place("US", "Californa", "").unwrap();
        assert_eq!(p.code(), "US");
        assert_eq!(problem, Some(PlaceProblem::UnknownRegion));
        // The region name is tried when the code is not recognised.
        let (p, problem) = r.place("US", "XX", "Texas").unwrap();
        assert_eq!((p.code(), problem), ("US-TX", None));
    }
}
