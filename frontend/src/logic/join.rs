//! Waits for several futures at once, e.g. one fetch per month of a chart.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The future of [`join_all`].
pub struct JoinAll<F: Future> {
    pending: Vec<Option<Pin<Box<F>>>>,
    done: Vec<Option<F::Output>>,
}

// Nothing is pinned in place: the futures are boxed and the outputs are only moved.
impl<F: Future> Unpin for JoinAll<F> {}

/// Runs `futures` concurrently and resolves to their outputs, in the order given.
pub fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> JoinAll<F> {
    let pending: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let done = pending.iter().map(|_| None).collect();
    JoinAll { pending, done }
}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        for (slot, out) in this.pending.iter_mut().zip(this.done.iter_mut()) {
            if let Some(future) = slot
                && let Poll::Ready(value) = future.as_mut().poll(cx)
            {
                *out = Some(value);
                *slot = None;
            }
        }
        if this.pending.iter().any(Option::is_some) {
            return Poll::Pending;
        }
        Poll::Ready(this.done.iter_mut().filter_map(Option::take).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    /// Pending for `polls` polls, then `value`.
    struct Later {
        polls: u32,
        value: u32,
    }

    impl Future for Later {
        type Output = u32;
        fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
            if self.polls == 0 {
                return Poll::Ready(self.value);
            }
            self.polls -= 1;
            Poll::Pending
        }
    }

    #[test]
    fn outputs_keep_the_order_given_whatever_finishes_first() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut all =
            join_all([Later { polls: 2, value: 1 }, Later { polls: 0, value: 2 }, Later { polls: 1, value: 3 }]);
        assert!(Pin::new(&mut all).poll(&mut cx).is_pending());
        assert!(Pin::new(&mut all).poll(&mut cx).is_pending());
        assert_eq!(Pin::new(&mut all).poll(&mut cx), Poll::Ready(vec![1, 2, 3]));
    }

    #[test]
    fn nothing_to_wait_for_is_ready_at_once() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut none = join_all(Vec::<Later>::new());
        assert_eq!(Pin::new(&mut none).poll(&mut cx), Poll::Ready(vec![]));
    }
}
