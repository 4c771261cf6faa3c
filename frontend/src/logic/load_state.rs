//! The `data-state` a page root carries, which browser tests wait on.

/// Where a page's data is: one of `loading`, `empty`, `ready`, `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataState {
    Loading,
    Empty,
    Ready,
    Error,
}

impl DataState {
    /// The state of a resource that may still be loading, and is empty when `is_empty` says so.
    pub fn of<T, E>(result: Option<&Result<T, E>>, is_empty: impl FnOnce(&T) -> bool) -> Self {
        match result {
            None => DataState::Loading,
            Some(Err(_)) => DataState::Error,
            Some(Ok(value)) if is_empty(value) => DataState::Empty,
            Some(Ok(_)) => DataState::Ready,
        }
    }

    /// The state of a page with two sources: an error or a load in either shows, else `second`
    /// decides whether there is anything to show.
    pub fn of_both<A, B, E>(
        first: Option<&Result<A, E>>,
        second: Option<&Result<B, E>>,
        is_empty: impl FnOnce(&B) -> bool,
    ) -> Self {
        match (first, second) {
            (Some(Err(_)), _) | (_, Some(Err(_))) => DataState::Error,
            (None, _) | (_, None) => DataState::Loading,
            (Some(Ok(_)), second) => DataState::of(second, is_empty),
        }
    }

    /// The `data-state` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            DataState::Loading => "loading",
            DataState::Empty => "empty",
            DataState::Ready => "ready",
            DataState::Error => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_has_its_state() {
        let empty = |v: &Vec<u8>| v.is_empty();
        assert_eq!(DataState::of::<Vec<u8>, ()>(None, empty).as_str(), "loading");
        assert_eq!(DataState::of::<Vec<u8>, ()>(Some(&Err(())), empty).as_str(), "error");
        assert_eq!(DataState::of::<_, ()>(Some(&Ok(vec![])), empty).as_str(), "empty");
        assert_eq!(DataState::of::<_, ()>(Some(&Ok(vec![1])), empty).as_str(), "ready");
    }

    #[test]
    fn two_sources_show_the_worst_first() {
        let empty = |v: &Vec<u8>| v.is_empty();
        let (ok, full, none) = (Ok::<u8, ()>(1), Ok::<Vec<u8>, ()>(vec![1]), Ok::<Vec<u8>, ()>(vec![]));
        assert_eq!(DataState::of_both(Some(&Err::<u8, ()>(())), None, empty), DataState::Error);
        assert_eq!(DataState::of_both(Some(&ok), None, empty), DataState::Loading);
        assert_eq!(DataState::of_both::<u8, _, _>(None, Some(&full), empty), DataState::Loading);
        assert_eq!(DataState::of_both(Some(&ok), Some(&none), empty), DataState::Empty);
        assert_eq!(DataState::of_both(Some(&ok), Some(&full), empty), DataState::Ready);
    }
}
