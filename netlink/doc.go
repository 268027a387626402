// Package netlink emulates the links between emu's endpoints: propagation
// delay, jitter, packet loss, a serialisation rate and a drop-tail queue, one
// direction at a time, driven by an engine.Scheduler.
//
// A Link is generic over the packet type it carries and never looks inside a
// packet: the caller states each packet's size on the wire. This keeps TCP out
// of the link model and lets tests push plain integers through it.
//
// # What happens to a packet
//
// Send decides a packet's fate at once, at the instant it is sent, as Linux
// netem does at enqueue time:
//
//  1. Loss: the loss model is consulted first. A lost packet never occupies
//     the queue or the serialiser (netem also checks loss before its queue
//     limit).
//  2. Queue: with a rate limit, a packet that would find Config.Queue packets
//     already waiting for the serialiser is tail-dropped. The packet being
//     serialised does not count as waiting; a packet whose serialisation
//     starts at the very instant of the Send does not count either.
//     With Rate 0 there is neither serialisation nor queue.
//  3. Serialisation: a packet starts serialising when the previous one has
//     finished (or at once if the line is idle) and takes exactly
//     ceil(size*8*1e9 / Rate) nanoseconds: rounding up, because the last bit
//     cannot leave before it has been clocked out.
//  4. Delivery: at the end of serialisation plus Config.Delay plus a jitter
//     draw (see Jitter). Unless Config.Reorder is set, a packet is never
//     delivered before the previous one: its delivery time is raised to the
//     previous delivery time, and packets delivered at the same instant arrive
//     in the order they were sent (the scheduler runs same-instant events in
//     scheduling order).
//
// # Random numbers
//
// Each direction of a link draws from its own engine.Stream, by convention
// the components "link.forward" and "link.reverse" (ForwardComponent,
// ReverseComponent). Per packet, the loss model draws first (none for
// LossNone, one number for Bernoulli, two for Gilbert-Elliott) and the jitter
// distribution draws afterwards, only for packets that will be delivered.
// The same configuration and stream therefore always lose and delay the same
// packets.
//
// # Gilbert-Elliott loss
//
// Loss{Model: LossGilbertElliott} has the meaning of netem's
// `loss gemodel p r 1-h 1-k`:
//
//	Loss.P        = p    probability of moving from the good to the bad state
//	Loss.R        = r    probability of moving from the bad to the good state
//	Loss.BadLoss  = 1-h  loss probability in the bad state
//	Loss.GoodLoss = 1-k  loss probability in the good state
//
// The chain starts in the good state. For each packet the state transition is
// drawn first and the loss draw second, in netem's order (loss_gilb_ell in
// sch_netem.c). Like netem, the loss draw uses the loss probability of the
// state the packet found on arrival, that is, before the transition just
// drawn: the transition decides the state of the next packet. Keeping netem's
// draw order and rule means a scenario measured against netem and the same
// scenario here follow the same model. The stationary bad-state probability
// is πB = p/(p+r), the mean loss rate πG·(1-k) + πB·(1-h), and with 1-h = 1
// and 1-k = 0 (the Gilbert model) losses come in bursts of mean length 1/r.
//
// # Allocation
//
// In steady state a link allocates nothing per packet: packets in flight live
// by value (never boxed in an interface) in storage that grows to the run's
// high-water mark and is kept by Reset, and delivery events use method values
// created once.
//
// # Delivery events
//
// Without Reorder, delivery times never decrease, so a link keeps its packets
// in flight in a FIFO ring and holds a single engine.Timer for the oldest.
// Each packet takes a scheduler ticket (engine.Scheduler.Ticket) when it is
// sent and the timer is armed with that ticket (engine.Timer.SetTicket), so
// deliveries interleave with other same-instant events exactly as if each
// packet had been scheduled with At when it was sent, while the scheduler's
// heap holds one entry per link instead of one per packet in flight. With
// Reorder, each packet gets its own event (Scheduler.At) whose argument is the
// index of its slot in a reusable pool.
package netlink
