//! `convert_units`: length, mass, volume, speed, area, data and temperature, exactly.

use num_rational::BigRational;

use super::exact::{format_exact, parse_decimal};

/// A unit: its quantity, names, and how many base units one of it is.
struct Unit {
    quantity: &'static str,
    names: &'static [&'static str],
    /// Base units per unit, as an exact decimal or fraction.
    factor: &'static str,
}

const UNITS: &[Unit] = &[
    Unit { quantity: "length", names: &["m", "meter", "meters", "metre", "metres"], factor: "1" },
    Unit {
        quantity: "length",
        names: &["km", "kilometer", "kilometers", "kilometre", "kilometres"],
        factor: "1000",
    },
    Unit {
        quantity: "length",
        names: &["cm", "centimeter", "centimeters", "centimetre", "centimetres"],
        factor: "0.01",
    },
    Unit {
        quantity: "length",
        names: &["mm", "millimeter", "millimeters", "millimetre", "millimetres"],
        factor: "0.001",
    },
    Unit { quantity: "length", names: &["mi", "mile", "miles"], factor: "1609.344" },
    Unit { quantity: "length", names: &["yd", "yard", "yards"], factor: "0.9144" },
    Unit { quantity: "length", names: &["ft", "foot", "feet"], factor: "0.3048" },
    Unit { quantity: "length", names: &["in", "inch", "inches"], factor: "0.0254" },
    Unit { quantity: "length", names: &["nmi", "nautical mile", "nautical miles"], factor: "1852" },
    Unit { quantity: "mass", names: &["kg", "kilogram", "kilograms"], factor: "1" },
    Unit { quantity: "mass", names: &["g", "gram", "grams"], factor: "0.001" },
    Unit { quantity: "mass", names: &["mg", "milligram", "milligrams"], factor: "0.000001" },
    Unit { quantity: "mass", names: &["t", "tonne", "tonnes"], factor: "1000" },
    Unit { quantity: "mass", names: &["lb", "lbs", "pound", "pounds"], factor: "0.45359237" },
    Unit { quantity: "mass", names: &["oz", "ounce", "ounces"], factor: "0.028349523125" },
    Unit { quantity: "mass", names: &["st", "stone", "stones"], factor: "6.35029318" },
    Unit { quantity: "volume", names: &["l", "liter", "liters", "litre", "litres"], factor: "1" },
    Unit {
        quantity: "volume",
        names: &["ml", "milliliter", "milliliters", "millilitre", "millilitres"],
        factor: "0.001",
    },
    Unit { quantity: "volume", names: &["gal", "gallon", "gallons", "us gallon"], factor: "3.785411784" },
    Unit { quantity: "volume", names: &["qt", "quart", "quarts"], factor: "0.946352946" },
    Unit { quantity: "volume", names: &["cup", "cups"], factor: "0.2365882365" },
    Unit {
        quantity: "volume",
        names: &["floz", "fl oz", "fluid ounce", "fluid ounces"],
        factor: "0.0295735295625",
    },
    Unit { quantity: "speed", names: &["m/s", "meters per second"], factor: "1" },
    Unit { quantity: "speed", names: &["km/h", "kph", "kilometers per hour"], factor: "5/18" },
    Unit { quantity: "speed", names: &["mph", "miles per hour"], factor: "0.44704" },
    Unit { quantity: "speed", names: &["kn", "knot", "knots"], factor: "463/900" },
    Unit { quantity: "area", names: &["m2", "m²", "square meter", "square meters"], factor: "1" },
    Unit {
        quantity: "area",
        names: &["km2", "km²", "square kilometer", "square kilometers"],
        factor: "1000000",
    },
    Unit { quantity: "area", names: &["ha", "hectare", "hectares"], factor: "10000" },
    Unit { quantity: "area", names: &["acre", "acres"], factor: "4046.8564224" },
    Unit { quantity: "area", names: &["ft2", "ft²", "square foot", "square feet"], factor: "0.09290304" },
    Unit { quantity: "data", names: &["b", "byte", "bytes"], factor: "1" },
    Unit { quantity: "data", names: &["kb", "kilobyte", "kilobytes"], factor: "1000" },
    Unit { quantity: "data", names: &["mb", "megabyte", "megabytes"], factor: "1000000" },
    Unit { quantity: "data", names: &["gb", "gigabyte", "gigabytes"], factor: "1000000000" },
    Unit { quantity: "data", names: &["kib", "kibibyte", "kibibytes"], factor: "1024" },
    Unit { quantity: "data", names: &["mib", "mebibyte", "mebibytes"], factor: "1048576" },
    Unit { quantity: "data", names: &["gib", "gibibyte", "gibibytes"], factor: "1073741824" },
];

const TEMPERATURES: &[(&str, &[&str])] =
    &[("C", &["c", "°c", "celsius"]), ("F", &["f", "°f", "fahrenheit"]), ("K", &["k", "kelvin"])];

fn find(name: &str) -> Option<&'static Unit> {
    let name = name.trim().to_lowercase();
    UNITS.iter().find(|u| u.names.contains(&name.as_str()))
}

fn temperature(name: &str) -> Option<&'static str> {
    let name = name.trim().to_lowercase();
    TEMPERATURES.iter().find(|(_, names)| names.contains(&name.as_str())).map(|(t, _)| *t)
}

fn r(text: &str) -> BigRational {
    match text.split_once('/') {
        Some((n, d)) => r(n) / r(d),
        None => parse_decimal(text).expect("table values are decimals"),
    }
}

/// Converts `value` from one unit to another, exactly.
pub fn convert(value: &str, from: &str, to: &str) -> Result<String, String> {
    let amount = parse_decimal(value).ok_or_else(|| format!("{value:?} is not a number"))?;
    if let (Some(f), Some(t)) = (temperature(from), temperature(to)) {
        // Through kelvin: K = C + 273.15; C = (F − 32) × 5/9.
        let kelvin = match f {
            "C" => amount + r("273.15"),
            "F" => (amount - r("32")) * r("5") / r("9") + r("273.15"),
            _ => amount,
        };
        let result = match t {
            "C" => kelvin - r("273.15"),
            "F" => (kelvin - r("273.15")) * r("9") / r("5") + r("32"),
            _ => kelvin,
        };
        return Ok(format!("{} {t}", format_exact(&result)));
    }
    let from_unit = find(from).ok_or_else(|| format!("unknown unit {from:?}"))?;
    let to_unit = find(to).ok_or_else(|| format!("unknown unit {to:?}"))?;
    if from_unit.quantity != to_unit.quantity {
        return Err(format!(
            "cannot convert {} ({}) to {} ({})",
            from, from_unit.quantity, to, to_unit.quantity
        ));
    }
    let result = amount * r(from_unit.factor) / r(to_unit.factor);
    Ok(format!("{} {}", format_exact(&result), to_unit.names[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_are_exact() {
        assert_eq!(convert("1", "mile", "km").unwrap(), "1.609344 km");
        assert_eq!(convert("12", "in", "ft").unwrap(), "1 ft");
        assert_eq!(convert("100", "C", "F").unwrap(), "212 F");
        assert_eq!(convert("-40", "fahrenheit", "celsius").unwrap(), "-40 C");
        assert_eq!(convert("0", "K", "C").unwrap(), "-273.15 C");
        assert_eq!(convert("1", "lb", "g").unwrap(), "453.59237 g");
        assert_eq!(convert("1", "GiB", "MiB").unwrap(), "1024 mib");
        assert_eq!(convert("36", "km/h", "m/s").unwrap(), "10 m/s");
    }

    #[test]
    fn mismatches_are_explained() {
        assert_eq!(convert("1", "kg", "m").unwrap_err(), "cannot convert kg (mass) to m (length)");
        assert_eq!(convert("1", "parsec", "m").unwrap_err(), "unknown unit \"parsec\"");
        assert_eq!(convert("x", "m", "m").unwrap_err(), "\"x\" is not a number");
    }
}
