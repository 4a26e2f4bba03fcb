//! numpy object arrays read back from Python pickles: the values of pandas' fixed-format
//! object blocks (text, and bools with missing values), which PyTables keeps as one
//! pickle per block.
//!
//! This is a reader of pickle's data, not a Python: it runs no code and imports nothing.
//! It knows the opcodes (of protocols 0 to 5) that pickles of numbers, text, lists and
//! tuples use, not all of pickle (no sets, no LONG4, no protocol 0 escapes in `V`
//! texts); it copies only leaves from the memo (see `Machine::memoize`), so its memory
//! stays within a small multiple of the pickle's; and it takes two shapes of result: numpy's own pickle of an array
//! (`numpy.core.multiarray._reconstruct` or `numpy._core.multiarray._reconstruct`, then
//! its state: version, shape, dtype, order, and the values as a list in C order), and
//! `numpy.array(list, 'O')` as [`super::pickle::ObjectArray`] writes it. Anything else is
//! an error saying what came. Python objects become [`Object`]s: `None`, `bool`, `int`
//! (within i64), `float`, `str`; anything else (a `datetime`, a `Decimal`, bytes) is
//! [`Object::Other`] with its type's name, for the caller to refuse.

use std::sync::Arc;

/// A value of an object array.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// Python's `None`.
    None,
    /// `True` or `False`.
    Bool(bool),
    /// An `int` that fits in i64.
    Int(i64),
    /// A `float` (NaN is pandas' missing value).
    Float(f64),
    /// A `str`.
    Text(Arc<str>),
    /// Any other object: the name of its type, as far as the pickle tells it.
    Other(String),
}

/// An object array: its shape and its values in C order (row by row for two dimensions).
#[derive(Debug, Clone, PartialEq)]
pub struct Objects {
    /// The array's shape (one or two dimensions in pandas' blocks).
    pub shape: Vec<usize>,
    /// The values, `shape`'s product of them.
    pub values: Vec<Object>,
}

/// Why a pickle is not a numpy object array this reader takes.
#[derive(Debug, thiserror::Error)]
pub enum PickleError {
    /// The bytes end before the pickle does.
    #[error("the pickle ends early, at byte {at}")]
    Truncated {
        /// Where the bytes ran out.
        at: usize,
    },
    /// An opcode this reader does not take.
    #[error("opcode 0x{opcode:02x} at byte {at} is not one that pickles of arrays use")]
    Opcode {
        /// The opcode.
        opcode: u8,
        /// Where it is.
        at: usize,
    },
    /// The pickle is well formed, but not of a numpy object array.
    #[error("not a pickled numpy object array: {0}")]
    NotAnArray(String),
}

/// The object array pickled in `bytes`.
///
/// ```
/// use pardata::io::frame::pickle::ObjectArray;
/// use pardata::io::frame::unpickle::{objects, Object};
///
/// let mut column = ObjectArray::new();
/// column.push_text("a");
/// column.push_missing();
/// let back = objects(&column.finish())?;
/// assert_eq!(back.shape, vec![2]);
/// assert_eq!(back.values[0], Object::Text("a".into()));
/// assert!(matches!(back.values[1], Object::Float(x) if x.is_nan()));
/// # Ok::<(), pardata::io::frame::unpickle::PickleError>(())
/// ```
pub fn objects(bytes: &[u8]) -> Result<Objects, PickleError> {
    let value = Machine::new(bytes).run()?;
    array_of(value)
}

/// The deepest nesting of containers taken (an array's pickle nests 5 deep): deeper ones
/// are refused, so that no pickle can exhaust the stack when its values are dropped.
const MAX_DEPTH: usize = 32;

/// What the pickle machine holds.
#[derive(Debug, Clone)]
enum Value {
    Object(Object),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Dict,
    Global(String, String),
    /// `callable(*args)`, not called.
    Call(Box<Value>, Box<Value>),
    /// `object.__setstate__(state)`, not done.
    Built(Box<Value>, Box<Value>),
    Mark,
}

impl Value {
    /// How deeply containers nest in the value (1 for a leaf).
    fn depth(&self) -> usize {
        match self {
            Value::List(items) | Value::Tuple(items) => {
                1 + items.iter().map(Value::depth).max().unwrap_or(0)
            }
            Value::Call(a, b) | Value::Built(a, b) => 1 + a.depth().max(b.depth()),
            _ => 1,
        }
    }

    fn describe(&self) -> String {
        match self {
            Value::Object(o) => format!("{o:?}"),
            Value::List(items) => format!("a list of {}", items.len()),
            Value::Tuple(items) => format!("a tuple of {}", items.len()),
            Value::Dict => "a dict".into(),
            Value::Global(module, name) => format!("{module}.{name}"),
            Value::Call(callable, _) => format!("a call of {}", callable.describe()),
            Value::Built(object, _) => format!("the state of {}", object.describe()),
            Value::Mark => "a mark".into(),
        }
    }
}

/// The array a pickle's result is.
fn array_of(value: Value) -> Result<Objects, PickleError> {
    let wrong = |value: &Value| PickleError::NotAnArray(value.describe());
    match value {
        // numpy.array(list, 'O'), from pardata.
        Value::Call(callable, args) if is_global(&callable, &["numpy"], "array") => {
            let Value::Tuple(args) = *args else {
                return Err(wrong(&args));
            };
            match args.into_iter().next() {
                Some(Value::List(items)) => {
                    let values = items.into_iter().map(object_of).collect::<Vec<_>>();
                    Ok(Objects {
                        shape: vec![values.len()],
                        values,
                    })
                }
                other => Err(PickleError::NotAnArray(format!(
                    "numpy.array of {}",
                    other.map_or("nothing".into(), |v| v.describe())
                ))),
            }
        }
        // numpy's own: _reconstruct(ndarray, (0,), b'b'), then the state.
        Value::Built(array, state) => {
            let reconstruct = matches!(&*array, Value::Call(callable, _)
                if is_global(callable, &["numpy.core.multiarray", "numpy._core.multiarray"], "_reconstruct"));
            if !reconstruct {
                return Err(wrong(&array));
            }
            let Value::Tuple(state) = *state else {
                return Err(wrong(&state));
            };
            let mut state = state.into_iter();
            let (_version, shape, _dtype, _fortran, data) = (
                state.next(),
                state.next(),
                state.next(),
                state.next(),
                state.next(),
            );
            let shape = match shape {
                Some(Value::Tuple(dims)) => dims
                    .iter()
                    .map(|d| match d {
                        Value::Object(Object::Int(n)) => usize::try_from(*n).ok(),
                        _ => None,
                    })
                    .collect::<Option<Vec<usize>>>()
                    .ok_or_else(|| {
                        PickleError::NotAnArray("a shape that is not of sizes".into())
                    })?,
                other => {
                    return Err(PickleError::NotAnArray(format!(
                        "a state without a shape ({})",
                        other.map_or("nothing".into(), |v| v.describe())
                    )))
                }
            };
            let values = match data {
                Some(Value::List(items)) => items.into_iter().map(object_of).collect::<Vec<_>>(),
                other => {
                    return Err(PickleError::NotAnArray(format!(
                        "an array of numbers, not objects ({})",
                        other.map_or("nothing".into(), |v| v.describe())
                    )))
                }
            };
            let size = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
            if size != Some(values.len()) {
                return Err(PickleError::NotAnArray(format!(
                    "{} values for the shape {shape:?}",
                    values.len()
                )));
            }
            Ok(Objects { shape, values })
        }
        other => Err(wrong(&other)),
    }
}

fn is_global(value: &Value, modules: &[&str], name: &str) -> bool {
    matches!(value, Value::Global(m, n) if modules.contains(&m.as_str()) && n == name)
}

/// A value of the array's list as an [`Object`]: pandas' `pd.NA` is missing, as `None`.
fn object_of(value: Value) -> Object {
    match value {
        Value::Object(object) => object,
        Value::Global(module, name)
            if name == "NA" && matches!(module.as_str(), "pandas" | "pandas._libs.missing") =>
        {
            Object::None
        }
        other => Object::Other(other.describe()),
    }
}

/// A copy of `value` if it is a leaf (an object or a global), which is cheap to copy.
fn leaf(value: &Value) -> Option<Value> {
    matches!(value, Value::Object(_) | Value::Global(..)).then(|| value.clone())
}

/// The pickle machine: a stack, a memo, and the bytes.
struct Machine<'a> {
    bytes: &'a [u8],
    at: usize,
    stack: Vec<Value>,
    memo: std::collections::HashMap<u32, Value>,
}

impl<'a> Machine<'a> {
    fn new(bytes: &'a [u8]) -> Machine<'a> {
        Machine {
            bytes,
            at: 0,
            stack: Vec::new(),
            memo: std::collections::HashMap::new(),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], PickleError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or(PickleError::Truncated {
            at: self.bytes.len(),
        })?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn u8(&mut self) -> Result<u8, PickleError> {
        Ok(self.take(1)?[0])
    }

    fn le<const N: usize>(&mut self) -> Result<[u8; N], PickleError> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn size(&mut self, width: usize) -> Result<usize, PickleError> {
        let n = match width {
            1 => u64::from(self.u8()?),
            4 => u64::from(u32::from_le_bytes(self.le()?)),
            _ => u64::from_le_bytes(self.le()?),
        };
        usize::try_from(n).map_err(|_| PickleError::Truncated {
            at: self.bytes.len(),
        })
    }

    /// A text line (protocol 0's arguments), without its line end.
    fn line(&mut self) -> Result<&'a str, PickleError> {
        let rest = &self.bytes[self.at..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(PickleError::Truncated {
                at: self.bytes.len(),
            })?;
        self.at += end + 1;
        std::str::from_utf8(&rest[..end])
            .map_err(|_| PickleError::NotAnArray("a line that is not text".into()))
    }

    fn text(&mut self, width: usize) -> Result<Value, PickleError> {
        let n = self.size(width)?;
        let bytes = self.take(n)?;
        let text = String::from_utf8_lossy(bytes);
        Ok(Value::Object(Object::Text(Arc::from(text.as_ref()))))
    }

    fn pop(&mut self) -> Result<Value, PickleError> {
        self.stack.pop().ok_or_else(|| self.bad_stack())
    }

    fn bad_stack(&self) -> PickleError {
        PickleError::NotAnArray(format!("an empty stack at byte {}", self.at))
    }

    /// The values above the topmost mark, taken off with the mark.
    fn since_mark(&mut self) -> Result<Vec<Value>, PickleError> {
        let mark = self
            .stack
            .iter()
            .rposition(|v| matches!(v, Value::Mark))
            .ok_or_else(|| self.bad_stack())?;
        let items = self.stack.split_off(mark + 1);
        self.stack.pop();
        Ok(items)
    }

    fn tuple(&mut self, n: usize) -> Result<(), PickleError> {
        if self.stack.len() < n {
            return Err(self.bad_stack());
        }
        let items = self.stack.split_off(self.stack.len() - n);
        self.push_nested(Value::Tuple(items))
    }

    /// Pushes a container made of values on the stack, unless it nests too deeply.
    fn push_nested(&mut self, value: Value) -> Result<(), PickleError> {
        if value.depth() > MAX_DEPTH {
            return Err(self.too_deep());
        }
        self.stack.push(value);
        Ok(())
    }

    fn too_deep(&self) -> PickleError {
        PickleError::NotAnArray(format!(
            "containers nested more than {MAX_DEPTH} deep, at byte {}",
            self.at
        ))
    }

    fn append(&mut self, items: Vec<Value>) -> Result<(), PickleError> {
        if items.iter().any(|item| item.depth() >= MAX_DEPTH) {
            return Err(self.too_deep());
        }
        match self.stack.last_mut() {
            Some(Value::List(list)) => {
                list.extend(items);
                Ok(())
            }
            _ => Err(PickleError::NotAnArray(format!(
                "an append to something not a list at byte {}",
                self.at
            ))),
        }
    }

    /// Stores the top of the stack under `key`. Only a leaf (a number, a text, a global)
    /// is kept; a container is stored as a mark, which cannot be recalled: numpy's
    /// pickles memoize the state that holds every value and never recall it, and copying
    /// containers would let a few bytes of pickle ask for any amount of memory (Python
    /// shares them instead).
    fn memoize(&mut self, key: u32) -> Result<(), PickleError> {
        let top = self.stack.last().ok_or_else(|| self.bad_stack())?;
        self.memo.insert(key, leaf(top).unwrap_or(Value::Mark));
        Ok(())
    }

    fn recall(&mut self, key: u32) -> Result<(), PickleError> {
        let value = match self.memo.get(&key) {
            Some(Value::Mark) | None => {
                return Err(PickleError::NotAnArray(format!(
                    "a recall of memo {key}, which is not a value, at byte {}",
                    self.at
                )))
            }
            Some(value) => value.clone(),
        };
        self.stack.push(value);
        Ok(())
    }

    fn run(mut self) -> Result<Value, PickleError> {
        loop {
            let at = self.at;
            let opcode = self.u8()?;
            match opcode {
                0x80 => {
                    self.u8()?; // PROTO
                }
                0x95 => {
                    self.take(8)?; // FRAME
                }
                b'.' => return self.pop(),
                0x94 => self.memoize(self.memo.len() as u32)?,
                b'q' => {
                    let key = u32::from(self.u8()?);
                    self.memoize(key)?
                }
                b'r' => {
                    let key = u32::from_le_bytes(self.le()?);
                    self.memoize(key)?
                }
                b'p' => {
                    let key = self.line()?.trim().parse().unwrap_or(u32::MAX);
                    self.memoize(key)?
                }
                b'h' => {
                    let key = u32::from(self.u8()?);
                    self.recall(key)?
                }
                b'j' => {
                    let key = u32::from_le_bytes(self.le()?);
                    self.recall(key)?
                }
                b'g' => {
                    let key = self.line()?.trim().parse().unwrap_or(u32::MAX);
                    self.recall(key)?
                }
                0x8c => {
                    let text = self.text(1)?;
                    self.stack.push(text)
                }
                b'X' => {
                    let text = self.text(4)?;
                    self.stack.push(text)
                }
                0x8d => {
                    let text = self.text(8)?;
                    self.stack.push(text)
                }
                b'V' => {
                    let line = self.line()?;
                    self.stack
                        .push(Value::Object(Object::Text(Arc::from(line))))
                }
                b'C' | b'B' | 0x8e | b'U' | b'T' => {
                    let width = match opcode {
                        b'C' | b'U' => 1,
                        b'B' | b'T' => 4,
                        _ => 8,
                    };
                    let n = self.size(width)?;
                    self.take(n)?;
                    self.stack
                        .push(Value::Object(Object::Other("bytes".into())))
                }
                b'c' => {
                    let module = self.line()?.to_string();
                    let name = self.line()?.to_string();
                    self.stack.push(Value::Global(module, name))
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module, name) {
                        (
                            Value::Object(Object::Text(module)),
                            Value::Object(Object::Text(name)),
                        ) => self
                            .stack
                            .push(Value::Global(module.to_string(), name.to_string())),
                        _ => return Err(PickleError::Opcode { opcode, at }),
                    }
                }
                b'K' => {
                    let n = i64::from(self.u8()?);
                    self.stack.push(Value::Object(Object::Int(n)))
                }
                b'M' => {
                    let n = i64::from(u16::from_le_bytes(self.le()?));
                    self.stack.push(Value::Object(Object::Int(n)))
                }
                b'J' => {
                    let n = i64::from(i32::from_le_bytes(self.le()?));
                    self.stack.push(Value::Object(Object::Int(n)))
                }
                0x8a => {
                    let n = self.size(1)?;
                    let bytes = self.take(n)?;
                    let value = if n <= 8 {
                        // Little-endian two's complement, sign-extended.
                        let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
                        let mut full = [if negative { 0xff } else { 0 }; 8];
                        full[..n].copy_from_slice(bytes);
                        Object::Int(i64::from_le_bytes(full))
                    } else {
                        Object::Other("int beyond 64 bits".into())
                    };
                    self.stack.push(Value::Object(value))
                }
                b'I' | b'L' => {
                    let line = self.line()?.trim_end_matches('L');
                    let value = match line {
                        "00" => Object::Bool(false),
                        "01" => Object::Bool(true),
                        _ => line
                            .parse()
                            .map_or_else(|_| Object::Other("int".into()), Object::Int),
                    };
                    self.stack.push(Value::Object(value))
                }
                b'G' => {
                    let x = f64::from_be_bytes(self.le()?);
                    self.stack.push(Value::Object(Object::Float(x)))
                }
                b'F' => {
                    let line = self.line()?;
                    let x = line
                        .trim()
                        .parse()
                        .map_err(|_| PickleError::Opcode { opcode, at })?;
                    self.stack.push(Value::Object(Object::Float(x)))
                }
                b'N' => self.stack.push(Value::Object(Object::None)),
                0x88 => self.stack.push(Value::Object(Object::Bool(true))),
                0x89 => self.stack.push(Value::Object(Object::Bool(false))),
                b')' => self.stack.push(Value::Tuple(Vec::new())),
                0x85 => self.tuple(1)?,
                0x86 => self.tuple(2)?,
                0x87 => self.tuple(3)?,
                b't' => {
                    let items = self.since_mark()?;
                    self.push_nested(Value::Tuple(items))?
                }
                b'(' => self.stack.push(Value::Mark),
                b']' => self.stack.push(Value::List(Vec::new())),
                b'l' => {
                    let items = self.since_mark()?;
                    self.push_nested(Value::List(items))?
                }
                b'a' => {
                    let item = self.pop()?;
                    self.append(vec![item])?
                }
                b'e' => {
                    let items = self.since_mark()?;
                    self.append(items)?
                }
                b'}' => self.stack.push(Value::Dict),
                b'd' => {
                    self.since_mark()?;
                    self.stack.push(Value::Dict)
                }
                b's' => {
                    self.pop()?;
                    self.pop()?;
                }
                b'u' => {
                    self.since_mark()?;
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    self.push_nested(Value::Call(Box::new(callable), Box::new(args)))?
                }
                0x81 => {
                    let args = self.pop()?;
                    let class = self.pop()?;
                    self.push_nested(Value::Call(Box::new(class), Box::new(args)))?
                }
                b'b' => {
                    let state = self.pop()?;
                    let object = self.pop()?;
                    self.push_nested(Value::Built(Box::new(object), Box::new(state)))?
                }
                b'0' => {
                    self.pop()?;
                }
                b'2' => {
                    // A copy of a leaf only (see `memoize`).
                    let top = self.stack.last().and_then(leaf);
                    let top = top.ok_or(PickleError::Opcode { opcode, at })?;
                    self.stack.push(top)
                }
                _ => return Err(PickleError::Opcode { opcode, at }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_foreign_bytes_are_errors_not_panics() {
        let mut column = crate::io::frame::pickle::ObjectArray::new();
        for k in 0..2500 {
            column.push_text(&format!("t{k}"));
        }
        let bytes = column.finish();
        assert_eq!(objects(&bytes).map(|o| o.values.len()).ok(), Some(2500));
        for end in [0, 1, 5, bytes.len() / 2, bytes.len() - 1] {
            assert!(objects(&bytes[..end]).is_err(), "cut at {end}");
        }
        assert!(matches!(
            objects(b"\x80\x02K\x05."),
            Err(PickleError::NotAnArray(_))
        ));
        assert!(matches!(
            objects(b"\x80\x02\xff"),
            Err(PickleError::Opcode {
                opcode: 0xff,
                at: 2
            })
        ));
        // A tuple duplicated into itself 31 times (2^31 values from 67 bytes, as Python
        // would share them): refused, not copied.
        let mut doubled = b"\x80\x02N".to_vec();
        doubled.extend(std::iter::repeat_n(b"2\x86".as_slice(), 31).flatten());
        doubled.push(b'.');
        assert!(objects(&doubled).is_err());
        // Lists in lists 40,000 deep: refused, not a stack overflow.
        let mut deep = b"\x80\x02".to_vec();
        deep.extend(std::iter::repeat_n(b']', 40_000));
        deep.extend(std::iter::repeat_n(b'a', 39_999));
        deep.push(b'.');
        assert!(matches!(objects(&deep), Err(PickleError::NotAnArray(_))));
        let mut calls = b"\x80\x02N".to_vec();
        calls.extend(std::iter::repeat_n(b"N\x85R".as_slice(), 40_000).flatten());
        calls.push(b'.');
        assert!(matches!(objects(&calls), Err(PickleError::NotAnArray(_))));
    }
}
