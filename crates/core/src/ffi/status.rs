//! The one status enum of the wasm boundary: every `wf_*` export that can fail returns
//! `Status::code()` (0 = success, negative = why the request was refused). Exports never trap
//! (a trap would poison the wasm instance); on a refusal the output is untouched or zero-filled, as
//! each export documents.
//!
//! Codes −1 … −11 keep the numbers `wf_ensemble_chunk` always returned (the TS
//! `CHUNK_STATUS`, `test/network.test.ts` match on them). The other exports returned their own small
//! codes before (−1 … −4 meaning different things per export); they now return these.
use crate::numerics::quadrature::QuadError;

/// Why an export refused its request.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Success.
    Ok = 0,
    /// A config or buffer has the wrong length, or a count that fixes a length (depth L, number of
    /// inputs N) is not an exact integer in its range (see `ffi::decode` for the limits).
    Length = -1,
    /// A width (n₀ … n_L) is not an exact integer in [1, MAX_WIDTH].
    Width = -2,
    /// C_b or C_W negative or not finite, or λ_b, λ_W not finite.
    Hyper = -3,
    /// Activation kind not an exact integer naming a builtin (0 … 12), or its parameter not finite or
    /// not allowed for the kind (monomial power not an integer in 1 … 8).
    Activation = -4,
    /// Derivative order not an exact integer in {0, 1, 2, 3}.
    Order = -5,
    /// Seed halves not exact integers in [0, 2³²).
    Seed = -6,
    /// Some k_ℓ not an exact integer in [2, n_ℓ].
    Neurons = -7,
    /// An input (x, or x² of the single-input theory) is not finite (x² also not ≥ 0).
    Input = -8,
    /// An index range is invalid: `first` not an exact integer ≥ 0 or first + count > 2⁵³; an RNG
    /// stream not an exact integer in [0, 2⁵³).
    Range = -9,
    /// The workspace could not be allocated (or would exceed the workspace limit).
    Alloc = -10,
    /// A null buffer pointer.
    Null = -11,
    /// Quadrature degree not in 1 … MAX_DEGREE (1000).
    Degree = -12,
    /// A variance K is negative or not finite.
    Variance = -13,
    /// A Gauss-rule eigenvalue iteration did not converge (never observed; guards pathological input).
    NoConvergence = -14,
}

impl Status {
    /// The i32 an export returns.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// Every status, in code order (0, −1, −2, …): for tests and for generating the TS table.
    pub const ALL: [Status; 15] = [
        Status::Ok,
        Status::Length,
        Status::Width,
        Status::Hyper,
        Status::Activation,
        Status::Order,
        Status::Seed,
        Status::Neurons,
        Status::Input,
        Status::Range,
        Status::Alloc,
        Status::Null,
        Status::Degree,
        Status::Variance,
        Status::NoConvergence,
    ];
}

impl From<QuadError> for Status {
    fn from(e: QuadError) -> Status {
        match e {
            QuadError::Degree => Status::Degree,
            QuadError::Variance => Status::Variance,
            QuadError::NoConvergence => Status::NoConvergence,
        }
    }
}

/// The export's return value for a result.
pub fn code(r: Result<(), Status>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(s) => s.code(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_consecutive() {
        for (i, s) in Status::ALL.iter().enumerate() {
            assert_eq!(s.code(), -(i as i32));
        }
    }

    #[test]
    fn ensemble_codes_keep_their_numbers() {
        // the TS CHUNK_STATUS table (ts/network.ts before issue 8)
        assert_eq!(
            [Status::Length, Status::Width, Status::Hyper, Status::Activation, Status::Order, Status::Seed, Status::Neurons, Status::Input, Status::Range, Status::Alloc, Status::Null].map(Status::code),
            [-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11]
        );
    }
}
