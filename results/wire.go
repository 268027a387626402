package results

// WireConventions completes the outcome of a record built from a packet
// capture, where the endpoints' own state is unknown, with the contract's
// conventions for what the wire alone does not decide:
//
//   - TIME_WAIT is held by the side that closed first after a three-way or
//     four-way close, by both after a simultaneous close, and by neither
//     otherwise (a RST ends it). How long it lasted is not on the wire:
//     TimeWait stays zero and summaries leave its mean empty.
//
// Classify has already applied the rest: a SYN answered by RST is
// no-connect with FirstCloser, like RstFrom, the side that sent the RST;
// after a simultaneous close the
// first closer is the side whose FIN comes first in the record, and
// timeout needs GaveUp, which a capture infers from a side that
// retransmitted and then fell silent.
func WireConventions(o *Outcome) {
	switch o.CloseType {
	case ThreeWay, FourWay:
		o.TimeWaitSide = o.FirstCloser
	case Simultaneous:
		o.TimeWaitSide = BothSides
	default:
		o.TimeWaitSide = NoSide
	}
	o.TimeWait = 0
}
