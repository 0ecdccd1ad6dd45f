//! The order a set's members come out in, as CPython's hash table gives it.
//!
//! CPython iterates a set in the order of its hash table's slots, so `print({3, 1, 2})`
//! shows `{1, 2, 3}` and `list({30, 10, 20})` is `[10, 20, 30]`. Threadline keeps a set's
//! members in a map ordered by insertion and, where the order can be seen (a loop, a repr,
//! `list()`, `pop()`), puts them in the order CPython's table would hold them: the table
//! sized as `Objects/setobject.c` grows it while members are added one by one (a resize to
//! four times the members when two thirds full), each member placed by its hash with
//! linear probes, then perturbation, in the order the members were added.
//!
//! Only members whose hash CPython fixes are ordered so — integers, booleans, floats and
//! tuples of them. A string's hash is salted per process in CPython (`PYTHONHASHSEED`), so
//! a set holding one is left in insertion order, one of the orders CPython could print.
//! A set whose members were removed is ordered as if its remaining members had been added
//! alone (CPython's table keeps its size then, so a set that shrank may differ).

use super::value::V;
use num_traits::{Signed, ToPrimitive};

/// `_PyHASH_MODULUS`: hashes of numbers are taken modulo this prime (2**61 - 1).
const MODULUS: u64 = (1 << 61) - 1;
const BITS: u32 = 61;

/// CPython's `hash(v)` where it does not depend on the process (None for strings, objects,
/// `None`, NaN).
pub fn hash(v: &V) -> Option<i64> {
    let h = match v {
        V::Bool(b) => i64::from(*b),
        V::Int(i) => hash_int(i128::from(*i)),
        V::Big(b) => {
            let m = num_bigint::BigInt::from(MODULUS);
            let r = (b.abs() % &m).to_i64()?;
            fix(if b.is_negative() { -r } else { r })
        }
        V::Float(f) => hash_float(*f)?,
        V::Tuple(t) => hash_tuple(t.iter())?,
        _ => return None,
    };
    Some(h)
}

/// -1 is an error code in C: a hash of -1 becomes -2.
fn fix(h: i64) -> i64 {
    if h == -1 { -2 } else { h }
}

fn hash_int(n: i128) -> i64 {
    let r = (n.unsigned_abs() % u128::from(MODULUS)) as i64;
    fix(if n < 0 { -r } else { r })
}

/// `_Py_HashDouble`.
fn hash_float(x: f64) -> Option<i64> {
    if x.is_nan() {
        return None;
    }
    if x.is_infinite() {
        return Some(if x > 0.0 { 314_159 } else { -314_159 });
    }
    let (mut m, mut e) = frexp(x.abs());
    let sign: i64 = if x < 0.0 { -1 } else { 1 };
    let mut h: u64 = 0;
    while m != 0.0 {
        h = ((h << 28) & MODULUS) | (h >> (BITS - 28));
        m *= 268_435_456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        h += y;
        if h >= MODULUS {
            h -= MODULUS;
        }
    }
    let e = if e >= 0 { e % BITS as i32 } else { BITS as i32 - 1 - ((-1 - e) % BITS as i32) } as u32;
    h = ((h << e) & MODULUS) | (h >> (BITS - e));
    Some(fix(h as i64 * sign))
}

/// `frexp`: `x == m * 2**e` with `0.5 <= m < 1` (for finite, non-zero x).
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 {
        return (0.0, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale up first.
        let (m, e) = frexp(x * f64::powi(2.0, 64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

/// `tuplehash` (CPython 3.8+, after xxHash).
fn hash_tuple<'a>(items: impl ExactSizeIterator<Item = &'a V>) -> Option<i64> {
    const P1: u64 = 11_400_714_785_074_694_791;
    const P2: u64 = 14_029_467_366_897_019_727;
    const P5: u64 = 2_870_177_450_012_600_261;
    let len = items.len() as u64;
    let mut acc = P5;
    for x in items {
        let lane = hash(x)? as u64;
        acc = acc.wrapping_add(lane.wrapping_mul(P2));
        acc = acc.rotate_left(31);
        acc = acc.wrapping_mul(P1);
    }
    acc = acc.wrapping_add(len ^ (P5 ^ 3_527_539));
    Some(if acc == u64::MAX { 1_546_275_796 } else { acc as i64 })
}

/// An empty slot.
const FREE: usize = usize::MAX;
/// A slot whose member was removed: taken for probing until the next resize.
const DUMMY: usize = usize::MAX - 1;

/// Place member `ix` with hash `h` in `table` (`set_add_entry`'s probe sequence: up to 9
/// linear probes, then perturbation; the first removed member's slot on the way is taken
/// if the member is new), and return its slot and whether it was a removed member's.
fn add(table: &mut [usize], h: u64, ix: usize) -> (usize, bool) {
    let mask = table.len() - 1;
    let mut perturb = h;
    let mut i = (h as usize) & mask;
    let mut dummy = None;
    loop {
        let probes = if i + 9 <= mask { 9 } else { 0 };
        for j in 0..=probes {
            if table[i + j] == FREE {
                let s = dummy.unwrap_or(i + j);
                table[s] = ix;
                return (s, dummy.is_some());
            }
            if table[i + j] == DUMMY && dummy.is_none() {
                dummy = Some(i + j);
            }
        }
        perturb >>= 5;
        i = (i.wrapping_mul(5).wrapping_add(1).wrapping_add(perturb as usize)) & mask;
    }
}

/// A set's CPython hash table at some moment: its mask, the slot of each of the set's
/// first members (in the order the set keeps them), and the slots of members removed
/// since (dummies, which CPython keeps until the table is next resized).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The table's size less one.
    pub mask: usize,
    /// The slot of each of the first `slots.len()` members.
    pub slots: Vec<usize>,
    /// Slots of removed members.
    pub dummies: Vec<usize>,
}

/// The mask of the table `set_table_resize(so, minused)` makes: the smallest power of two
/// above `minused`, at least 8.
pub fn mask_for(minused: usize) -> usize {
    let mut size = 8usize;
    while size <= minused {
        size <<= 1;
    }
    size - 1
}

impl Table {
    /// The table now, given every member's hash (in the order the set keeps them): the
    /// members past `slots` added one by one (`set_add_entry`), and when the table is two
    /// thirds full (removed members counted) it grows to the smallest power of two above
    /// four times the members (twice, past 50 000), the members placed again in the old
    /// table's order and the dummies dropped (`set_table_resize`). Returns the slots, one
    /// per member, each member's index or [`FREE`]/[`DUMMY`].
    fn now(&self, hashes: &[i64]) -> Vec<usize> {
        // A table that does not fit the members (they were changed behind its back) is
        // forgotten: every member counts as added one by one.
        let (mut table, placed) = match self.laid_out(hashes.len()) {
            Some(t) => (t, self.slots.len()),
            None => (vec![FREE; 8], 0),
        };
        let mut fill = table.iter().filter(|&&m| m != FREE).count();
        for (ix, &h) in hashes.iter().enumerate().skip(placed) {
            // A removed member's slot taken again does not fill the table further.
            if !add(&mut table, h as u64, ix).1 {
                fill += 1;
            }
            let (used, mask) = (ix + 1, table.len() - 1);
            if fill * 5 >= mask * 3 {
                table = resized(&table, hashes, if used > 50_000 { used * 2 } else { used * 4 });
                fill = used;
            }
        }
        table
    }

    /// The table as recorded — each of the first members in its slot, the dummies marked —
    /// if it fits a set of `n` members (its size a power of two of at least 8, every slot
    /// inside it and taken once).
    fn laid_out(&self, n: usize) -> Option<Vec<usize>> {
        if self.slots.len() > n || self.mask < 7 || !(self.mask + 1).is_power_of_two() {
            return None;
        }
        let mut table = vec![FREE; self.mask + 1];
        let marked = self.slots.iter().copied().enumerate().chain(self.dummies.iter().map(|&d| (DUMMY, d)));
        for (m, s) in marked {
            if *table.get(s)? != FREE {
                return None;
            }
            table[s] = m;
        }
        Some(table)
    }

    /// The order CPython iterates the members in (indices), and the table that gives it
    /// with every member's slot.
    pub fn order(&self, hashes: &[i64]) -> (Vec<usize>, Table) {
        let table = self.now(hashes);
        let mut slots = vec![0; hashes.len()];
        let mut order = Vec::with_capacity(hashes.len());
        let mut dummies = Vec::new();
        for (s, &m) in table.iter().enumerate() {
            match m {
                FREE => {}
                DUMMY => dummies.push(s),
                m => {
                    slots[m] = s;
                    order.push(m);
                }
            }
        }
        (order, Table { mask: table.len() - 1, slots, dummies })
    }

    /// This table (its members in its order, with their slots) merged into an empty set:
    /// the same table where CPython copies it whole (`set_merge`: the same size and no
    /// dummies), else the members placed in order into a table resized first to twice
    /// their number when they would fill two thirds of the smallest one.
    pub fn copied(&self, hashes: &[i64]) -> Table {
        let n = hashes.len();
        let mask = if n * 5 >= 7 * 3 { mask_for(n * 2) } else { 7 };
        if mask == self.mask && self.dummies.is_empty() {
            return Table { mask, slots: self.slots.clone(), dummies: Vec::new() };
        }
        let mut table = vec![FREE; mask + 1];
        let slots = hashes.iter().enumerate().map(|(ix, &h)| place(&mut table, h as u64, ix)).collect();
        Table { mask, slots, dummies: Vec::new() }
    }

    /// Before `extra` members of another set or dict are merged in: `set_merge` resizes a
    /// table they would fill two thirds of to twice the sum first.
    pub fn before_merge(&mut self, hashes: &[i64], extra: usize) {
        let n = hashes.len();
        if (n + self.dummies.len() + extra) * 5 < self.mask * 3 {
            return;
        }
        let Some(old) = self.laid_out(n) else { return };
        let table = resized(&old, hashes, (n + extra) * 2);
        let mut slots = vec![0; n];
        for (s, &m) in table.iter().enumerate() {
            if m < n {
                slots[m] = s;
            }
        }
        *self = Table { mask: table.len() - 1, slots, dummies: Vec::new() };
    }
}

/// Place member `ix` in a table without removed members (`set_insert_clean`), and return
/// its slot.
fn place(table: &mut [usize], h: u64, ix: usize) -> usize {
    add(table, h, ix).0
}

/// `set_table_resize(so, minused)`: the members placed again, in the old table's order,
/// into a table above `minused`; the dummies dropped.
fn resized(old: &[usize], hashes: &[i64], minused: usize) -> Vec<usize> {
    let mut table = vec![FREE; mask_for(minused) + 1];
    for &m in old.iter().filter(|&&m| m != FREE && m != DUMMY) {
        place(&mut table, hashes[m] as u64, m);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_cpythons() {
        // Values printed by python3 (3.11) for hash(x).
        assert_eq!(hash(&V::Int(-1)), Some(-2));
        assert_eq!(hash(&V::Int(1 << 62)), Some(2));
        assert_eq!(hash(&V::Float(1.5)), Some(1_152_921_504_606_846_977));
        assert_eq!(hash(&V::Float(-0.1)), Some(-230_584_300_921_369_408));
        assert_eq!(hash(&V::Float(3.0)), Some(3));
        assert_eq!(hash(&V::tuple(vec![V::Int(1), V::Int(2)])), Some(-3_550_055_125_485_641_917));
        assert_eq!(hash(&V::tuple(vec![])), Some(5_740_354_900_026_072_187));
    }

    #[test]
    fn small_ints_come_out_sorted_and_large_ones_by_slot() {
        let hs = |xs: &[i64]| xs.iter().map(|&x| hash(&V::Int(x)).unwrap()).collect::<Vec<_>>();
        let pick = |xs: &[i64]| Table::default().order(&hs(xs)).0.into_iter().map(|i| xs[i]).collect::<Vec<_>>();
        assert_eq!(pick(&[3, 1, 2]), vec![1, 2, 3]);
        assert_eq!(pick(&[30, 10, 20]), vec![10, 20, 30]);
        // python3: set(range(20, 0, -3)) == {2, 5, 8, 11, 14, 17, 20}
        assert_eq!(pick(&[20, 17, 14, 11, 8, 5, 2]), vec![2, 5, 8, 11, 14, 17, 20]);
        // python3: {100, 7, 64} prints {64, 100, 7}
        assert_eq!(pick(&[100, 7, 64]), vec![64, 100, 7]);
    }

    #[test]
    fn a_table_that_no_longer_fits_its_set_is_forgotten_not_trusted() {
        let hs: Vec<i64> = [5i64, 3, 9].iter().map(|&x| hash(&V::Int(x)).unwrap()).collect();
        let fresh = Table::default().order(&hs).0;
        // More recorded slots than members, a slot outside the table, two members in one slot.
        for bad in [
            Table { mask: 7, slots: vec![0, 1, 2, 3], dummies: vec![] },
            Table { mask: 7, slots: vec![9], dummies: vec![] },
            Table { mask: 7, slots: vec![1], dummies: vec![1] },
        ] {
            assert_eq!(bad.order(&hs).0, fresh);
        }
    }
}
