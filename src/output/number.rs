//! The one place where the output layer decides how a number is written:
//! `-0.0` is written as zero and a value that is not finite (`inf`,
//! `NaN`) as an empty field, so no CSV file ever holds `-0`, `inf` or
//! `NaN`. The scenario layer refuses what would make such values; this is
//! the last line of defence.
//!
//! Rows reach it through [`Clean`], which wraps any `Serialize` value so
//! that every `f64` inside it (a field, an `Option`'s content, a nested
//! row's field) goes through [`clean`] on its way to the CSV writer. Numbers
//! written as text of their own ([`Plain`]) go through the same rule.

use serde::ser::{self, Serialize, Serializer};

/// What a number is written as: `None` (an empty field) if it is not
/// finite, and zero for `-0.0`.
///
/// ```
/// use p2c2g::output::number::clean;
/// assert_eq!(clean(1.5), Some(1.5));
/// assert!(clean(-0.0).unwrap().is_sign_positive());
/// assert_eq!(clean(f64::INFINITY), None);
/// assert_eq!(clean(f64::NAN), None);
/// ```
pub fn clean(x: f64) -> Option<f64> {
    if !x.is_finite() {
        None
    } else if x == 0.0 {
        Some(0.0)
    } else {
        Some(x)
    }
}

/// A number written as Rust's `Display` writes it (`1`, not `1.0`; never an
/// exponent), through [`clean`]: the format of `points.csv` and of
/// `failovers_per_frame` in `runs.csv`.
///
/// ```
/// use p2c2g::output::number::Plain;
/// assert_eq!(Plain(2.0).to_string(), "2");
/// assert_eq!(Plain(-0.0).to_string(), "0");
/// assert_eq!(Plain(f64::NAN).to_string(), "");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plain(pub f64);

impl std::fmt::Display for Plain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match clean(self.0) {
            Some(x) => write!(f, "{x}"),
            None => Ok(()),
        }
    }
}

impl Serialize for Plain {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match clean(self.0) {
            Some(_) => s.collect_str(self),
            None => s.serialize_none(),
        }
    }
}

/// A row as the output layer writes it: every `f64` in it through
/// [`clean`], and struct fields named in `omit` left out (runs.csv leaves
/// out the summary's `seed`, which is already its own third column).
pub struct Clean<'a, T: ?Sized> {
    value: &'a T,
    omit: &'a [&'a str],
}

impl<'a, T: ?Sized + Serialize> Clean<'a, T> {
    pub fn new(value: &'a T) -> Clean<'a, T> {
        Clean { value, omit: &[] }
    }

    /// The same, without the struct fields named in `omit`.
    pub fn omitting(value: &'a T, omit: &'a [&'a str]) -> Clean<'a, T> {
        Clean { value, omit }
    }
}

impl<T: ?Sized + Serialize> Serialize for Clean<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Cleaner {
            inner: s,
            omit: self.omit,
        })
    }
}

/// A serializer that hands everything to `inner`, numbers cleaned.
struct Cleaner<'a, S> {
    inner: S,
    omit: &'a [&'a str],
}

/// A compound value (a row, a tuple, ...) of `inner`, its parts cleaned.
struct Parts<'a, C> {
    inner: C,
    omit: &'a [&'a str],
}

impl<'a, C> Parts<'a, C> {
    fn new(inner: C, omit: &'a [&'a str]) -> Parts<'a, C> {
        Parts { inner, omit }
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
            self.inner.$method($($arg),*)
        })*
    };
}

impl<'a, S: Serializer> Serializer for Cleaner<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Parts<'a, S::SerializeSeq>;
    type SerializeTuple = Parts<'a, S::SerializeTuple>;
    type SerializeTupleStruct = Parts<'a, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Parts<'a, S::SerializeTupleVariant>;
    type SerializeMap = Parts<'a, S::SerializeMap>;
    type SerializeStruct = Parts<'a, S::SerializeStruct>;
    type SerializeStructVariant = Parts<'a, S::SerializeStructVariant>;

    forward! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_char(v: char);
        serialize_str(v: &str);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        match clean(f64::from(v)) {
            Some(_) if v == 0.0 => self.inner.serialize_f32(0.0),
            Some(_) => self.inner.serialize_f32(v),
            None => self.inner.serialize_none(),
        }
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        match clean(v) {
            Some(x) => self.inner.serialize_f64(x),
            None => self.inner.serialize_none(),
        }
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        let value = Clean::omitting(value, self.omit);
        self.inner.serialize_some(&value)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let value = Clean::omitting(value, self.omit);
        self.inner.serialize_newtype_struct(name, &value)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let value = Clean::omitting(value, self.omit);
        self.inner
            .serialize_newtype_variant(name, index, variant, &value)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Ok(Parts::new(self.inner.serialize_seq(len)?, self.omit))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        Ok(Parts::new(self.inner.serialize_tuple(len)?, self.omit))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Ok(Parts::new(
            self.inner.serialize_tuple_struct(name, len)?,
            self.omit,
        ))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Ok(Parts::new(
            self.inner
                .serialize_tuple_variant(name, index, variant, len)?,
            self.omit,
        ))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Ok(Parts::new(self.inner.serialize_map(len)?, self.omit))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(Parts::new(
            self.inner.serialize_struct(name, len)?,
            self.omit,
        ))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Ok(Parts::new(
            self.inner
                .serialize_struct_variant(name, index, variant, len)?,
            self.omit,
        ))
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

impl<C: ser::SerializeSeq> ser::SerializeSeq for Parts<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        self.inner.serialize_element(&Clean::omitting(v, self.omit))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTuple> ser::SerializeTuple for Parts<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        self.inner.serialize_element(&Clean::omitting(v, self.omit))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTupleStruct> ser::SerializeTupleStruct for Parts<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        self.inner.serialize_field(&Clean::omitting(v, self.omit))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeTupleVariant> ser::SerializeTupleVariant for Parts<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        self.inner.serialize_field(&Clean::omitting(v, self.omit))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeMap> ser::SerializeMap for Parts<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<(), C::Error> {
        self.inner.serialize_key(&Clean::omitting(k, self.omit))
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), C::Error> {
        self.inner.serialize_value(&Clean::omitting(v, self.omit))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeStruct> ser::SerializeStruct for Parts<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), C::Error> {
        if self.omit.contains(&key) {
            return self.inner.skip_field(key);
        }
        self.inner
            .serialize_field(key, &Clean::omitting(v, self.omit))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

impl<C: ser::SerializeStructVariant> ser::SerializeStructVariant for Parts<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), C::Error> {
        if self.omit.contains(&key) {
            return self.inner.skip_field(key);
        }
        self.inner
            .serialize_field(key, &Clean::omitting(v, self.omit))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

/// `count` and `noun`, the noun plural unless the count is one: "1 peer",
/// "3 peers".
pub fn count_of(count: impl Into<u64>, noun: &str) -> String {
    let count = count.into();
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(count))
    }
}

/// A whole number with thousands separated by commas: 66,000.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    /// One CSV line of `row`, as the output layer writes it.
    fn line<T: Serialize>(row: &T) -> String {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        w.serialize(Clean::new(row)).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[derive(Serialize)]
    struct Row {
        name: &'static str,
        x: f64,
        y: Option<f64>,
        n: u64,
        z: f32,
    }

    #[test]
    fn every_number_of_a_row_is_clean() {
        let row = |x, y, z| Row {
            name: "a",
            x,
            y,
            n: 3,
            z,
        };
        assert_eq!(line(&row(1.5, Some(2.0), 0.5)), "a,1.5,2.0,3,0.5\n");
        assert_eq!(line(&row(-0.0, Some(-0.0), -0.0)), "a,0.0,0.0,3,0.0\n");
        assert_eq!(
            line(&row(f64::NAN, Some(f64::INFINITY), f32::NEG_INFINITY)),
            "a,,,3,\n"
        );
        assert_eq!(line(&row(f64::NEG_INFINITY, None, f32::NAN)), "a,,,3,\n");
        // Nested in a tuple, in a sequence, as plain text.
        let nested = (
            vec![-0.0, f64::NAN, 1e300],
            (row(-1.0, None, 1.0),),
            Plain(-0.0),
        );
        assert_eq!(line(&nested), "0.0,,1e300,a,-1.0,,3,1.0,0\n");
    }

    #[test]
    fn headers_and_omitted_fields() {
        let mut w = csv::Writer::from_writer(Vec::new());
        let row = Row {
            name: "b",
            x: f64::NAN,
            y: Some(1.0),
            n: 1,
            z: 2.0,
        };
        w.serialize(Clean::omitting(&row, &["n", "z"])).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text, "name,x,y\nb,,1.0\n");
    }
}
