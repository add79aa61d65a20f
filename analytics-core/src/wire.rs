//! Reading the protobuf wire format: a message's field occurrences in wire order, by the
//! rules prost decodes with (a key over 32 bits or field number 0 refused, a varint's tenth
//! byte at most 1, groups skipped), so that what prost refuses is refused here too.

use smallvec::SmallVec;

/// A decoding failure (the encoding is not a valid protobuf message of its type).
pub(crate) type WireError = &'static str;

/// Nesting deeper than this is refused (prost's own recursion limit).
pub(crate) const MAX_DEPTH: u32 = 100;

/// One field occurrence on the wire.
#[derive(Clone, Copy)]
pub(crate) enum Wire<'a> {
    Varint(u64),
    Fixed64([u8; 8]),
    Fixed32([u8; 4]),
    Bytes(&'a [u8]),
    /// A group (skipped; never valid for a field of a proto3 message).
    Group,
}

/// The occurrences of one message's fields; most messages fit without allocating.
pub(crate) type Occurrences<'a> = SmallVec<[(u32, Wire<'a>); 16]>;

/// Every field occurrence of a message, in wire order, added to `fields`.
pub(crate) fn read_fields<'a>(
    bytes: &'a [u8],
    fields: &mut Occurrences<'a>,
) -> Result<(), WireError> {
    let mut at = 0;
    while at < bytes.len() {
        let (number, wire_type) = read_key(bytes, &mut at)?;
        let wire = read_value(bytes, &mut at, number, wire_type, 0)?;
        fields.push((number, wire));
    }
    Ok(())
}

/// A field's number and wire type.
#[inline]
fn read_key(bytes: &[u8], at: &mut usize) -> Result<(u32, u8), WireError> {
    let key = read_varint(bytes, at)?;
    let key = u32::try_from(key).map_err(|_| "invalid key value")?;
    let number = key >> 3;
    if number == 0 {
        return Err("invalid tag value: 0");
    }
    Ok((number, (key & 7) as u8))
}

/// The value of a field whose key was just read.
#[inline]
fn read_value<'a>(
    bytes: &'a [u8],
    at: &mut usize,
    number: u32,
    wire_type: u8,
    depth: u32,
) -> Result<Wire<'a>, WireError> {
    Ok(match wire_type {
        0 => Wire::Varint(read_varint(bytes, at)?),
        1 => Wire::Fixed64(take_array(bytes, at)?),
        2 => {
            let len = usize::try_from(read_varint(bytes, at)?).map_err(|_| "buffer underflow")?;
            Wire::Bytes(take(bytes, at, len)?)
        }
        3 => {
            skip_group(bytes, at, number, depth)?;
            Wire::Group
        }
        4 => return Err("unexpected end group tag"),
        5 => Wire::Fixed32(take_array(bytes, at)?),
        _ => return Err("invalid wire type value"),
    })
}

/// Skips a group's fields up to its end tag.
fn skip_group(bytes: &[u8], at: &mut usize, number: u32, depth: u32) -> Result<(), WireError> {
    if depth >= MAX_DEPTH {
        return Err("recursion limit reached");
    }
    loop {
        if *at >= bytes.len() {
            return Err("buffer underflow");
        }
        let (inner, wire_type) = read_key(bytes, at)?;
        if wire_type == 4 {
            return if inner == number {
                Ok(())
            } else {
                Err("unexpected end group tag")
            };
        }
        read_value(bytes, at, inner, wire_type, depth + 1)?;
    }
}

/// A varint: at most ten bytes, the tenth at most 1.
#[inline]
pub(crate) fn read_varint(bytes: &[u8], at: &mut usize) -> Result<u64, WireError> {
    match bytes.get(*at) {
        Some(&byte) if byte < 0x80 => {
            *at += 1;
            Ok(u64::from(byte))
        }
        _ => read_long_varint(bytes, at),
    }
}

fn read_long_varint(bytes: &[u8], at: &mut usize) -> Result<u64, WireError> {
    let mut value = 0u64;
    for index in 0..10 {
        let byte = *bytes.get(*at).ok_or("invalid varint")?;
        *at += 1;
        if index == 9 && byte > 1 {
            return Err("invalid varint");
        }
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err("invalid varint")
}

pub(crate) fn take<'a>(bytes: &'a [u8], at: &mut usize, len: usize) -> Result<&'a [u8], WireError> {
    let end = at.checked_add(len).ok_or("buffer underflow")?;
    let slice = bytes.get(*at..end).ok_or("buffer underflow")?;
    *at = end;
    Ok(slice)
}

pub(crate) fn take_array<const N: usize>(
    bytes: &[u8],
    at: &mut usize,
) -> Result<[u8; N], WireError> {
    let mut array = [0; N];
    array.copy_from_slice(take(bytes, at, N)?);
    Ok(array)
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    /// Whether prost decodes `bytes` as a message of unknown fields only.
    fn prost_accepts(bytes: &[u8]) -> bool {
        <()>::decode(bytes).is_ok()
    }

    #[test]
    fn what_prost_refuses_is_refused() {
        let cases: &[&[u8]] = &[
            &[0x08, 0x01],
            &[0x00, 0x01],
            &[0x08],
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
            ],
            &[
                0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
            ],
            &[0x0a, 0x02, 0x61],
            &[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01],
            &[0x0d, 0x01, 0x02, 0x03],
            &[0x0d, 0x01, 0x02, 0x03, 0x04],
            &[0x09, 1, 2, 3, 4, 5, 6, 7, 8],
            &[0x0b, 0x10, 0x01, 0x0c],
            &[0x0b, 0x10, 0x01, 0x14],
            &[0x0b, 0x10, 0x01],
            &[0x0c],
            &[0x0e, 0x00],
            &[0xff, 0xff, 0xff, 0xff, 0x7f, 0x00],
            &[0xf8, 0xff, 0xff, 0xff, 0x0f, 0x00],
            &[],
        ];
        for bytes in cases {
            assert_eq!(
                read_fields(bytes, &mut Occurrences::new()).is_ok(),
                prost_accepts(bytes),
                "{bytes:02x?}"
            );
        }
    }

    #[test]
    fn occurrences_keep_wire_order_and_values() {
        let bytes = [0x10, 0x96, 0x01, 0x0a, 0x01, b'x', 0x1d, 1, 0, 0, 0];
        let mut fields = Occurrences::new();
        read_fields(&bytes, &mut fields).expect("valid");
        let numbers: Vec<u32> = fields.iter().map(|(number, _)| *number).collect();
        assert_eq!(numbers, [2, 1, 3]);
        assert!(matches!(fields[0].1, Wire::Varint(150)));
        assert!(matches!(fields[1].1, Wire::Bytes(b"x")));
        assert!(matches!(fields[2].1, Wire::Fixed32([1, 0, 0, 0])));
    }
}
