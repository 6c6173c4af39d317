//! `calculator`: exact arithmetic on decimals: `+ - * / % ^`, parentheses, unary minus.

use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};

use super::exact::{format_exact, parse_decimal};

/// Evaluates `expression` exactly.
pub fn evaluate(expression: &str) -> Result<String, String> {
    let mut parser = Parser { chars: expression.chars().filter(|c| !c.is_whitespace()).collect(), at: 0 };
    if parser.chars.is_empty() {
        return Err("the expression is empty".into());
    }
    let value = parser.sum()?;
    if parser.at < parser.chars.len() {
        return Err(format!("unexpected {:?} at position {}", parser.chars[parser.at], parser.at + 1));
    }
    Ok(format_exact(&value))
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn sum(&mut self) -> Result<BigRational, String> {
        let mut value = self.product()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.at += 1;
            let rhs = self.product()?;
            value = if op == '+' { value + rhs } else { value - rhs };
        }
        Ok(value)
    }

    fn product(&mut self) -> Result<BigRational, String> {
        let mut value = self.power()?;
        while let Some(op @ ('*' | '×' | '/' | '÷' | '%')) = self.peek() {
            self.at += 1;
            let rhs = self.power()?;
            if matches!(op, '/' | '÷' | '%') && rhs.is_zero() {
                return Err("division by zero".into());
            }
            value = match op {
                '*' | '×' => value * rhs,
                '%' => {
                    let quotient = (&value / &rhs).trunc();
                    value - rhs * quotient
                }
                _ => value / rhs,
            };
        }
        Ok(value)
    }

    fn power(&mut self) -> Result<BigRational, String> {
        let base = self.unary()?;
        if self.peek() == Some('^') {
            self.at += 1;
            let exponent = self.power()?; // right-associative
            if !exponent.is_integer() {
                return Err("only whole-number powers are exact".into());
            }
            let n = exponent
                .to_integer()
                .to_i32()
                .filter(|n| n.abs() <= 10_000)
                .ok_or("the power is too large")?;
            if n < 0 && base.is_zero() {
                return Err("division by zero".into());
            }
            let result = num_traits::pow(base.clone(), n.unsigned_abs() as usize);
            return Ok(if n < 0 { BigRational::one() / result } else { result });
        }
        Ok(base)
    }

    fn unary(&mut self) -> Result<BigRational, String> {
        match self.peek() {
            Some('-') => {
                self.at += 1;
                Ok(-self.unary()?)
            }
            Some('+') => {
                self.at += 1;
                self.unary()
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Result<BigRational, String> {
        match self.peek() {
            Some('(') => {
                self.at += 1;
                let value = self.sum()?;
                if self.peek() != Some(')') {
                    return Err("a parenthesis is not closed".into());
                }
                self.at += 1;
                Ok(value)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let start = self.at;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
                    self.at += 1;
                }
                let text: String = self.chars[start..self.at].iter().collect();
                parse_decimal(&text).ok_or_else(|| format!("{text:?} is not a number"))
            }
            Some(c) => Err(format!("unexpected {c:?} at position {}", self.at + 1)),
            None => Err("the expression ends too early".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(evaluate("0.1 + 0.2").unwrap(), "0.3");
        assert_eq!(evaluate("1234567890123456789 * 987654321").unwrap(), "1219326311248285321112635269");
        assert_eq!(evaluate("(2 + 3) * -4 / 8").unwrap(), "-2.5");
        assert_eq!(evaluate("2 ^ 10 - 2^-1").unwrap(), "1023.5");
        assert_eq!(evaluate("2^3^2").unwrap(), "512");
        assert_eq!(evaluate("10 / 3").unwrap(), "10/3 ≈ 3.33333333333333333333");
        assert_eq!(evaluate("17 % 5").unwrap(), "2");
        assert_eq!(evaluate("-17 % 5").unwrap(), "-2");
    }

    #[test]
    fn mistakes_are_explained() {
        assert_eq!(evaluate("1 / 0").unwrap_err(), "division by zero");
        assert_eq!(evaluate("(1 + 2").unwrap_err(), "a parenthesis is not closed");
        assert_eq!(evaluate("2 ^ 0.5").unwrap_err(), "only whole-number powers are exact");
        assert_eq!(evaluate("1 + x").unwrap_err(), "unexpected 'x' at position 3");
        assert_eq!(evaluate("").unwrap_err(), "the expression is empty");
    }
}
