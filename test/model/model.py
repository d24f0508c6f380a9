#!/usr/bin/env python3
"""test/model/model.py: a random model check of the backorder extension.

An independent model of the contract (/work/shared/SPEC.md), written from the
contract alone, is driven side by side with a real database by a seeded
random sequence of operations: items (allow/deny, limits), place_order
(multi-line, priorities, explicit and default ordered_at), receipts (with and
without purchase orders), shipments, cancellations (partial and NULL),
cancel_order, positive and negative adjustments, priority updates,
purchase-order inserts/updates/cancels and claim_events, and (1.1) cart holds:
hold inserts and updates (quantity, expires_at), release_hold, expire_holds,
place_order with a hold_id (conversion), and expiry by moving the model's
clock.  Some operations are made to fail on purpose; the model says which
SQLSTATE(s) the contract allows.

The clock: a hold that is to expire gets expires_at = the next tick of the
model's clock.  The runner never starts an operation within a second of the
next tick; when it gets that close it waits until the tick has passed (in
the database's time, which is this machine's) and moves the model's clock
to it: every hold expiring at the tick is then due, and the next operation
on its sku (or expire_holds) expires it, rolled back with the operation if
that fails.

After every step both sides must agree on:
  * every item's on_hand / reserved / backordered / held (and policy, limit);
  * every hold (hold_id, sku, quantity, expires_at, held, status);
  * every open order line (reserved + backordered > 0) and every line the step
    changed: reserved, backordered, shipped, cancelled, status, priority,
    ordered_at;
  * the waiting queue of every SKU in fill order (backorders.waiting_orders'
    queue_position), each row's waiting units, quantity, filled, cancelled,
    priority, units_ahead, eta_source and stored expected_at (SPEC "ETA");
  * the engine columns of the ledger / purchase-order row the step wrote;
  * the events the step wrote (kind, line, sku, quantity, expected_at, detail),
    and the ids claim_events(n) hands out (the n oldest unclaimed);
  * the SQLSTATE of a failing step (and that it changed nothing).
Every --full-every steps and at the end: every order line, every backorder
row (per line, in id order), every purchase-order line, stock_levels, and
backorder.check() must be empty.

Only the Python standard library; PostgreSQL is reached through one
long-lived `psql -X -A -t -q` process fed through a pipe, with a sentinel
`\\echo` after each command.

Usage: model.py --dbname DB [--seed N] [--ops N] [--full-every N] [-v]
The database must have the extension created (model.sh does this).
Exit status 0 when everything agreed; 1 with the seed, the step and the
difference printed otherwise.
"""

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time

MAXI = 2 ** 63 - 1
SEP = "\x1f"
SENT = "@@MODEL_SENTINEL@@"
SENT2 = "@@MODEL_SENTINEL_END@@"
DAY_US = 86400 * 1000000
MIN_US = 60 * 1000000
TICK_US = 6 * 1000000           # the model's clock moves every 6 s of real time
TICK_MARGIN_US = 1000000        # no operation starts within 1 s of the next tick


def us(col):
    """SQL expression: a timestamptz as integer microseconds since the epoch."""
    return "(extract(epoch from %s) * 1000000)::bigint" % col


def lit(s):
    if s is None:
        return "NULL"
    return "'" + str(s).replace("'", "''") + "'"


def ts_lit(v):
    """An epoch-microseconds value as a timestamptz SQL literal."""
    if v is None:
        return "NULL"
    return "to_timestamp(%d::numeric / 1000000)" % v


def ts_json(v):
    sec, micro = divmod(v, 1000000)
    t = time.gmtime(sec)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00" % (
        t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, micro)


class Mismatch(Exception):
    pass


# ----------------------------------------------------------------- psql pipe

class Psql:
    def __init__(self, dbname):
        args = ["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=0",
                "-P", "null=NULL", "-F", SEP, "-d", dbname]
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.statements = 0

    def many(self, sqls):
        """Run statements; return [(sqlstate, rows, error_message)] in order."""
        buf = []
        for sql in sqls:
            buf.append(sql.rstrip().rstrip(";") + ";\n")
            buf.append("\\echo " + SENT + " :SQLSTATE\n")
            buf.append("\\if :ERROR\n\\echo :LAST_ERROR_MESSAGE\n\\endif\n")
            buf.append("\\echo " + SENT2 + "\n")
        self.p.stdin.write("".join(buf))
        self.p.stdin.flush()
        out = []
        for _ in sqls:
            rows = []
            state = None
            msg = []
            while True:
                line = self.p.stdout.readline()
                if not line:
                    raise RuntimeError("psql exited")
                line = line.rstrip("\n")
                if state is None and line.startswith(SENT + " "):
                    state = line[len(SENT) + 1:]
                elif line == SENT2:
                    break
                elif state is None:
                    rows.append(line.split(SEP))
                else:
                    msg.append(line)
            self.statements += 1
            out.append((state, rows, "\n".join(msg)))
        return out

    def one(self, sql):
        return self.many([sql])[0]

    def ok(self, sql):
        state, rows, msg = self.one(sql)
        if state != "00000":
            raise RuntimeError("setup statement failed (%s %s): %s" % (state, msg, sql))
        return rows

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=30)
        except Exception:
            self.p.kill()


# ------------------------------------------------------------------- model

class Item:
    __slots__ = ("sku", "policy", "limit", "lead_days", "on_hand", "reserved", "backordered", "held")

    def __init__(self, sku, policy, limit, lead_days):
        self.sku, self.policy, self.limit, self.lead_days = sku, policy, limit, lead_days
        self.on_hand = self.reserved = self.backordered = self.held = 0

    @property
    def available(self):
        return self.on_hand - self.reserved - self.held


class Hold:
    __slots__ = ("hold_id", "sku", "quantity", "expires_at", "held", "status")

    def __init__(self, hold_id, sku, quantity, expires_at, held):
        self.hold_id, self.sku, self.quantity, self.expires_at = hold_id, sku, quantity, expires_at
        self.held = held
        self.status = "active"


class Line:
    __slots__ = ("order_id", "line_no", "sku", "quantity", "priority", "ordered_at",
                 "reserved", "backordered", "shipped", "cancelled", "rows")

    def __init__(self, order_id, line_no, sku, quantity, priority, ordered_at):
        self.order_id, self.line_no, self.sku, self.quantity = order_id, line_no, sku, quantity
        self.priority, self.ordered_at = priority, ordered_at
        self.reserved = self.backordered = self.shipped = self.cancelled = 0
        self.rows = []          # backorder rows, in creation (id) order

    @property
    def key(self):
        return (self.order_id, self.line_no)

    @property
    def open(self):
        return self.reserved + self.backordered

    @property
    def status(self):
        if self.cancelled == self.quantity:
            return "cancelled"
        if self.shipped + self.cancelled == self.quantity:
            return "shipped"
        if self.backordered > 0:
            return "backordered"
        return "reserved"

    def waiting_row(self):
        if self.rows and self.rows[-1].status == "waiting":
            return self.rows[-1]
        return None


class Row:
    """A backorder row."""
    __slots__ = ("id", "line", "quantity", "filled", "cancelled", "status", "expected_at", "fresh")

    def __init__(self, rid, line, quantity):
        self.id, self.line, self.quantity = rid, line, quantity
        self.filled = self.cancelled = 0
        self.status = "waiting"
        self.expected_at = None
        self.fresh = True

    @property
    def waiting(self):
        return self.quantity - self.filled - self.cancelled

    def fill_key(self):
        return (-self.line.priority, self.line.ordered_at, self.id)


class PO:
    __slots__ = ("po_id", "sku", "quantity", "expected_at", "received", "status")

    def __init__(self, po_id, sku, quantity, expected_at):
        self.po_id, self.sku, self.quantity, self.expected_at = po_id, sku, quantity, expected_at
        self.received = 0
        self.status = "open"

    @property
    def incoming(self):
        return max(self.quantity - self.received, 0) if self.status == "open" else 0


class Fail(Exception):
    def __init__(self, codes):
        super().__init__(codes)
        self.codes = set(codes)


def ev(kind, line, quantity, **kw):
    e = {"kind": kind, "order_id": line.order_id, "line_no": line.line_no, "sku": line.sku,
         "quantity": quantity, "expected_at": None, "remaining": None, "old": None, "new": None,
         "has_old": False, "has_new": False}
    e.update(kw)
    return e


class Model:
    def __init__(self):
        self.items = {}
        self.lines = {}             # (order_id, line_no) -> Line
        self.orders = {}            # order_id -> [Line]
        self.queue = {}             # sku -> {row id: Row} waiting rows
        self.open_lines = {}        # sku -> {key: Line} lines with open units
        self.pos = {}               # (po_id, sku) -> PO
        self.pos_by_sku = {}        # sku -> {po_id: PO}
        self.next_row_id = 1
        self.holds = {}             # (hold_id, sku) -> Hold
        self.holds_by_sku = {}      # sku -> {hold_id: Hold}
        self.clock = 0              # the model's clock (us): holds expiring at or before it are due
        # per step bookkeeping
        self.events = []
        self.changed = {}           # key -> Line
        self.touched = {}           # sku -> True
        self.pending_bo_events = []

    # -- step bookkeeping
    def begin(self):
        self.events = []
        self.changed = {}
        self.touched = {}

    def end(self):
        for sku in self.touched:
            for r in self.queue[sku].values():
                r.fresh = False

    def touch_line(self, line):
        self.changed[line.key] = line
        self.touched[line.sku] = True
        ol = self.open_lines[line.sku]
        if line.open > 0:
            ol[line.key] = line
        else:
            ol.pop(line.key, None)

    def fill_queue(self, sku):
        return sorted(self.queue[sku].values(), key=Row.fill_key)

    # -- ETA (SPEC "ETA"); emits eta_changed for rows that stay waiting
    def eta(self, sku):
        self.touched[sku] = True
        pos = sorted((p for p in self.pos_by_sku[sku].values() if p.incoming > 0),
                     key=lambda p: (p.expected_at, p.po_id))
        cum = []
        t = 0
        for p in pos:
            t += p.incoming
            cum.append((t, p.expected_at))
        j = 0
        w = 0
        for r in self.fill_queue(sku):
            w += r.waiting
            while j < len(cum) and cum[j][0] < w:
                j += 1
            new = cum[j][1] if j < len(cum) else None
            if new != r.expected_at and not r.fresh:
                self.events.append(ev("eta_changed", r.line, r.waiting, expected_at=new,
                                      old=r.expected_at, new=new, has_old=True, has_new=True))
            r.expected_at = new
        # backordered events carry the row's expected_at after the change
        rest = []
        for e, r in self.pending_bo_events:
            if r.line.sku == sku:
                e["expected_at"] = r.expected_at
            else:
                rest.append((e, r))
        self.pending_bo_events = rest

    # -- helpers shared by the operations
    def wait_units(self, line, units):
        """Units of a line start (or go on) waiting; returns the row."""
        r = line.waiting_row()
        if r is None:
            r = Row(self.next_row_id, line, units)
            self.next_row_id += 1
            line.rows.append(r)
            self.queue[line.sku][r.id] = r
        else:
            r.quantity += units
        e = ev("backordered", line, units)
        self.events.append(e)
        self.pending_bo_events.append((e, r))
        return r

    def allocate(self, item):
        """Hand available units to the SKU's waiting rows in fill order."""
        total = 0
        avail = item.available
        if avail <= 0:
            return 0
        for r in self.fill_queue(item.sku):
            if avail == 0:
                break
            n = min(r.waiting, avail)
            avail -= n
            total += n
            r.filled += n
            line = r.line
            line.backordered -= n
            line.reserved += n
            if r.waiting == 0:
                r.status = "filled"
                del self.queue[item.sku][r.id]
            self.events.append(ev("allocated", line, n, remaining=r.waiting))
            self.touch_line(line)
        item.reserved += total
        item.backordered -= total
        return total

    # -- operations: each validates first (raising Fail, changing nothing),
    #    then applies.
    def item_insert(self, sku, policy, limit, lead_days):
        codes = []
        if sku in self.items:
            codes.append("23505")
        if len(sku) < 1 or len(sku) > 200:
            codes.append("23514")
        if limit is not None and limit < 0:
            codes.append("23514")
        if lead_days < 0:
            codes.append("23514")
        if codes:
            raise Fail(codes)
        self.items[sku] = Item(sku, policy, limit, lead_days)
        self.queue[sku] = {}
        self.open_lines[sku] = {}
        self.pos_by_sku[sku] = {}
        self.holds_by_sku[sku] = {}
        self.touched[sku] = True

    def item_update(self, sku, field, value):
        it = self.items.get(sku)
        if it is None:
            return 0
        if field == "backorder_limit" and value is not None and value < 0:
            raise Fail(["23514"])
        if field == "lead_time" and value < 0:
            raise Fail(["23514"])
        if field == "policy":
            it.policy = value
        elif field == "backorder_limit":
            it.limit = value
        else:
            it.lead_days = value
        self.touched[sku] = True
        return 1

    def place_check(self, order_id, lines, cart=None):
        """Dry run of place_order: the SQLSTATEs it may fail with."""
        codes = set()
        avail = {}
        bo = {}
        seen = set()
        held = {h.sku: h.held for h in self.cart_holds(cart)}
        for ln in lines:
            bad = False
            for k in ("line_no", "sku", "quantity"):
                if ln.get(k) is None:
                    codes.add("23502")
                    bad = True
            if bad:
                continue
            key = (order_id, ln["line_no"])
            if key in self.lines or key in seen:
                codes.add("23505")      # found after the line is served: it may fail first
            seen.add(key)
            if ln["line_no"] <= 0 or ln["quantity"] <= 0:
                codes.add("23514")
                bad = True
            it = self.items.get(ln["sku"])
            if it is None:
                codes.add("23503")
                bad = True
            if bad:
                continue
            sku = it.sku
            a = avail.setdefault(sku, it.available)
            b = bo.setdefault(sku, it.backordered)
            from_hold = min(ln["quantity"], held.get(sku, 0))
            held[sku] = held.get(sku, 0) - from_hold
            take = from_hold + min(ln["quantity"] - from_hold, max(a, 0))
            short = ln["quantity"] - take
            if short > 0:
                if it.policy == "deny":
                    codes.add("BO001")
                    continue
                over = False
                if it.limit is not None and b + short > it.limit:
                    codes.add("BO002")
                    over = True
                if b + short > MAXI:
                    codes.add("22003")
                    over = True
                if over:
                    continue
            avail[sku] = a - (take - from_hold)
            bo[sku] = b + short
        if codes:
            raise Fail(codes)

    def place_apply(self, order_id, lines, ordered_at, cart=None):
        """Apply a place_order that succeeded; ordered_at: line_no -> us.

        The lines are served one by one, in the array's order, and each is
        one change: its `backordered` event carries the row's expected_at
        after that line, and rows already waiting (those of earlier lines of
        the same call included) get `eta_changed` when the line moves them.
        """
        holds = self.cart_holds(cart)
        used = {h.sku: 0 for h in holds}
        left = {h.sku: h.held for h in holds}
        for ln in lines:
            it = self.items[ln["sku"]]
            line = Line(order_id, ln["line_no"], it.sku, ln["quantity"],
                        ln.get("priority") if ln.get("priority") is not None else 0,
                        ordered_at[ln["line_no"]])
            self.lines[line.key] = line
            self.orders.setdefault(order_id, []).append(line)
            from_hold = min(line.quantity, left.get(it.sku, 0))
            if from_hold:
                left[it.sku] -= from_hold
                used[it.sku] += from_hold
                it.held -= from_hold
                it.reserved += from_hold
            avail = it.available
            take = from_hold + min(line.quantity - from_hold, max(avail, 0))
            short = line.quantity - take
            line.reserved = take
            it.reserved += take - from_hold
            if short > 0:
                line.backordered = short
                it.backordered += short
                self.wait_units(line, short)
            self.touch_line(line)
            if short > 0:
                self.eta(it.sku)
                for r in self.queue[it.sku].values():
                    r.fresh = False
        # every active hold of the cart ends: converted when the order has
        # a line of its sku (what is left over is freed), released otherwise
        line_skus = set(ln["sku"] for ln in lines)
        for h in holds:
            it = self.items[h.sku]
            freed = h.held - used[h.sku]
            h.status = "converted" if h.sku in line_skus else "released"
            h.held = 0
            it.held -= freed
            if freed > 0 and self.allocate(it) > 0:
                self.eta(h.sku)

    def receipt(self, sku, quantity, po_id):
        it = self.items.get(sku)
        codes = []
        if quantity <= 0:
            codes.append("23514")
        if it is None:
            codes.append("23503")
        po = None
        if po_id is not None:
            po = self.pos.get((po_id, sku))
            if po is None:
                codes.append("23503")
        if it is not None and quantity > 0 and it.on_hand + quantity > MAXI:
            codes.append("22003")
        if po is not None and quantity > 0 and po.received + quantity > MAXI:
            codes.append("22003")
        if codes:
            raise Fail(codes)
        it.on_hand += quantity
        on_hand_after = it.on_hand
        if po is not None:
            po.received += quantity
            if po.status != "cancelled":
                po.status = "closed" if po.received >= po.quantity else "open"
        allocated = self.allocate(it)
        self.eta(sku)
        return {"allocated": allocated, "on_hand_after": on_hand_after}

    def shipment(self, key, quantity):
        if quantity > MAXI:
            raise Fail(["22003"])       # not even a bigint
        line = self.lines.get(key)
        codes = []
        if quantity <= 0:
            codes.append("23514")
        if line is None:
            codes.append("23503")
        elif quantity > line.reserved:
            codes.append("BO003")
        if codes:
            raise Fail(codes)
        it = self.items[line.sku]
        line.reserved -= quantity
        line.shipped += quantity
        it.reserved -= quantity
        it.on_hand -= quantity
        self.touch_line(line)
        self.touched[line.sku] = True
        return {"on_hand_after": it.on_hand}

    def cancellation(self, key, quantity):
        if quantity is not None and quantity > MAXI:
            raise Fail(["22003"])       # not even a bigint
        line = self.lines.get(key)
        codes = []
        if quantity is not None and quantity <= 0:
            codes.append("23514")
        if line is None:
            codes.append("23503")
        elif quantity is None and line.open == 0:
            codes.append("BO004")
        elif quantity is not None and quantity > line.open:
            codes.append("BO004")
        if codes:
            raise Fail(codes)
        return self._cancel(line, quantity)

    def _cancel(self, line, quantity, fill=True):
        it = self.items[line.sku]
        q = line.open if quantity is None else quantity
        w = min(q, line.backordered)
        r = q - w
        if w > 0:
            row = line.waiting_row()
            row.cancelled += w
            if row.waiting == 0:
                row.status = "cancelled"
                del self.queue[line.sku][row.id]
            line.backordered -= w
            it.backordered -= w
            self.events.append(ev("cancelled", line, w))
        line.reserved -= r
        it.reserved -= r
        line.cancelled += q
        self.touch_line(line)
        if fill:
            self.allocate(it)
            self.eta(line.sku)
        return {"quantity": q, "waiting_cancelled": w, "reserved_cancelled": r}

    def cancel_order(self, order_id):
        lines = self.orders.get(order_id)
        if lines is None:
            raise Fail(["P0002"])
        if sum(l.open for l in lines) > MAXI:
            raise Fail(["22003"])       # the bigint result would overflow
        # every line is cancelled as it stood (line_no order) before any
        # freed unit goes to a queue: the order's own lines never get them
        # (no `allocated` event for them); then the queues are filled and
        # the promises recomputed, each in sku order
        total = 0
        skus = set()
        for line in sorted(lines, key=lambda l: l.line_no):
            if line.open > 0:
                total += self._cancel(line, None, fill=False)["quantity"]
                skus.add(line.sku)
        for sku in sorted(skus, key=lambda k: k.encode()):
            self.allocate(self.items[sku])
        for sku in sorted(skus, key=lambda k: k.encode()):
            self.eta(sku)
        return total

    def adjustment(self, sku, delta):
        it = self.items.get(sku)
        codes = []
        if delta == 0:
            codes.append("23514")
        if it is None:
            codes.append("23503")
        elif it.on_hand + delta < 0:
            codes.append("BO005")
        elif it.on_hand + delta > MAXI:
            codes.append("22003")
        elif it.on_hand + delta < it.reserved and \
                it.backordered + it.reserved - (it.on_hand + delta) > MAXI:
            codes.append("22003")       # the take-back would overflow backordered
        if not codes and it.on_hand + delta < it.reserved:
            need = it.reserved - (it.on_hand + delta)
            for line in self.take_back_order(sku):
                t = min(line.reserved, need)
                need -= t
                r = line.waiting_row()
                if r is not None and r.quantity + t > MAXI:
                    codes.append("22003")   # the row's quantity would overflow
                if need == 0:
                    break
        if codes:
            raise Fail(codes)
        it.on_hand += delta
        allocated = taken = 0
        if delta < 0 and it.on_hand < it.reserved + it.held:
            self.break_holds(it, min(it.reserved + it.held - it.on_hand, it.held))
        if delta > 0:
            allocated = self.allocate(it)
        elif it.on_hand < it.reserved:
            taken = it.reserved - it.on_hand
            need = taken
            for line in self.take_back_order(sku):
                if need == 0:
                    break
                t = min(line.reserved, need)
                need -= t
                line.reserved -= t
                line.backordered += t
                self.wait_units(line, t)
                self.touch_line(line)
            it.reserved -= taken
            it.backordered += taken
        self.touched[sku] = True
        self.eta(sku)
        return {"allocated": allocated, "taken_back": taken, "on_hand_after": it.on_hand}

    def take_back_order(self, sku):
        """Lines with reserved units, in reverse fill order: priority ASC,
        ordered_at DESC, order_id DESC, line_no DESC."""
        return sorted((l for l in self.open_lines[sku].values() if l.reserved > 0),
                      key=lambda l: (l.priority, -l.ordered_at, _desc(l.order_id), -l.line_no))

    def priority_update(self, keys, priority):
        """UPDATE order_lines SET priority of some lines, as one statement."""
        skus = []
        n = 0
        for key in keys:
            line = self.lines.get(key)
            if line is None:
                continue
            n += 1
            self.changed[line.key] = line
            if line.priority != priority:
                line.priority = priority
                self.touch_line(line)
                if line.sku not in skus:
                    skus.append(line.sku)
        for sku in skus:
            self.eta(sku)
        return n

    def po_insert(self, po_id, sku, quantity, expected_at):
        codes = []
        if (po_id, sku) in self.pos:
            codes.append("23505")
        if sku not in self.items:
            codes.append("23503")
        if quantity <= 0:
            codes.append("23514")
        if expected_at is None:
            codes.append("23502")
        if codes:
            raise Fail(codes)
        po = PO(po_id, sku, quantity, expected_at)
        self.pos[(po_id, sku)] = po
        self.pos_by_sku[sku][po_id] = po
        self.eta(sku)
        return po

    def po_update(self, po_id, sku, field, value):
        po = self.pos.get((po_id, sku))
        if po is None:
            return None
        if field == "quantity":
            if value <= 0:
                raise Fail(["23514"])
            po.quantity = value
            if po.status != "cancelled":
                po.status = "closed" if po.received >= po.quantity else "open"
        elif field == "expected_at":
            if value is None:
                raise Fail(["23502"])
            po.expected_at = value
        else:
            if value == "cancelled" and po.status == "open":
                po.status = "cancelled"
            elif value == "cancelled" and po.status == "cancelled":
                pass
            elif value != po.status:
                raise Fail(["BO006"])
        self.eta(sku)
        return po



class HoldsModel(Model):
    """Model with cart holds (SPEC "backorder.holds (1.1: cart holds)")."""

    def cart_holds(self, cart):
        if cart is None:
            return []
        return sorted((h for h in self.holds.values() if h.hold_id == cart and h.status == "active"),
                      key=lambda h: h.sku)

    def due(self, h):
        return h.status == "active" and h.expires_at <= self.clock

    # -- the per-sku state an expiry touches, to undo it when the operation fails
    def snap(self, skus):
        s = {"events": len(self.events), "changed": dict(self.changed), "touched": dict(self.touched),
             "pending": list(self.pending_bo_events), "skus": {}}
        for sku in skus:
            it = self.items[sku]
            rows = list(self.queue[sku].values())
            s["skus"][sku] = (
                (it.on_hand, it.reserved, it.backordered, it.held), dict(self.queue[sku]),
                [(r, r.filled, r.status, r.expected_at, r.fresh) for r in rows],
                [(r.line, r.line.reserved, r.line.backordered) for r in rows],
                dict(self.open_lines[sku]),
                [(h, h.held, h.status) for h in self.holds_by_sku[sku].values()])
        return s

    def restore(self, s):
        del self.events[s["events"]:]
        self.changed, self.touched, self.pending_bo_events = s["changed"], s["touched"], s["pending"]
        for sku, (nums, queue, rows, lines, open_lines, holds) in s["skus"].items():
            it = self.items[sku]
            it.on_hand, it.reserved, it.backordered, it.held = nums
            self.queue[sku] = queue
            for r, filled, status, eta, fresh in rows:
                r.filled, r.status, r.expected_at, r.fresh = filled, status, eta, fresh
            for l, reserved, backordered in lines:
                l.reserved, l.backordered = reserved, backordered
            self.open_lines[sku] = open_lines
            for h, held, status in holds:
                h.held, h.status = held, status

    def expire_due(self, skus):
        """Expire the due holds of these skus (in sku order), their units to
        the queue.  Returns (undo, skus whose queue moved, units freed)."""
        skus = sorted(set(x for x in skus if x in self.items
                          and any(self.due(h) for h in self.holds_by_sku[x].values())))
        if not skus:
            return (lambda: None), [], 0
        snap = self.snap(skus)
        moved = []
        total = 0
        for sku in skus:
            it = self.items[sku]
            freed = 0
            for h in self.holds_by_sku[sku].values():
                if self.due(h):
                    freed += h.held
                    h.held = 0
                    h.status = "expired"
            it.held -= freed
            total += freed
            self.touched[sku] = True
            if freed > 0 and self.allocate(it) > 0:
                moved.append(sku)
        return (lambda: self.restore(snap)), moved, total

    def guarded(self, skus, fn, eta_first=False):
        """Run fn after expiring the skus' due holds; undo them if it fails.
        eta_first: promises are recomputed right after the expiry (placement)
        instead of by the operation at its end."""
        undo, moved, _ = self.expire_due(skus)
        try:
            if eta_first:
                for sku in moved:
                    self.eta(sku)
            r = fn()
        except Fail:
            undo()
            raise
        for sku in moved:
            if not eta_first:
                self.eta(sku)
        return r

    def break_holds(self, it, units):
        for h in sorted((h for h in self.holds_by_sku[it.sku].values() if h.status == "active" and h.held > 0),
                        key=lambda h: (-h.expires_at, _desc(h.hold_id))):
            if units == 0:
                break
            t = min(h.held, units)
            h.held -= t
            it.held -= t
            units -= t

    def hold_insert(self, hold_id, sku, quantity, expires_at):
        codes = []
        if quantity <= 0 or not 1 <= len(hold_id) <= 200:
            codes.append("23514")           # the table's constraints, before anything else
        else:
            if expires_at <= self.clock:
                codes.append("22023")
            if sku not in self.items:
                codes.append("23503")
        if codes:
            raise Fail(codes)
        it = self.items[sku]
        old = self.holds.get((hold_id, sku))
        if old is not None and old.status == "active":
            raise Fail(["23505"])
        take = min(quantity, max(it.available, 0))
        if take < quantity and it.policy == "deny":
            raise Fail(["BO001"])
        h = Hold(hold_id, sku, quantity, expires_at, take)
        self.holds[(hold_id, sku)] = h
        self.holds_by_sku[sku][hold_id] = h
        it.held += take
        self.touched[sku] = True
        return h

    def hold_update(self, hold_id, sku, field, value):
        h = self.holds.get((hold_id, sku))
        if h is None:
            return 0
        if h.status != "active" or self.due(h):
            raise Fail(["BO006"])
        if field == "quantity" and value <= 0:
            raise Fail(["23514"])
        it = self.items[sku]
        if field == "expires_at" and value <= self.clock:
            freed = h.held
            h.held = 0
            h.status = "expired"
            h.expires_at = value
            it.held -= freed
        elif field == "quantity" and value != h.quantity:
            can = max(it.available, 0) + h.held
            new = min(value, can)
            if new < value and it.policy == "deny":
                raise Fail(["BO001"])
            freed = h.held - new
            it.held -= freed
            h.held = new
            h.quantity = value
        else:
            freed = 0                   # a later expires_at (or the same quantity): held stays
            if field == "expires_at":
                h.expires_at = value
        self.touched[sku] = True
        if freed > 0 and self.allocate(it) > 0:
            self.eta(sku)
        return 1

    def release(self, hold_id):
        total = 0
        for h in self.cart_holds(hold_id):
            if h.status != "active":
                continue            # expired as its item was locked
            it = self.items[h.sku]
            freed = h.held
            total += freed
            h.held = 0
            h.status = "released"
            it.held -= freed
            self.touched[h.sku] = True
            if freed > 0 and self.allocate(it) > 0:
                self.eta(h.sku)
        return total


def _desc(s):
    """Sort key inverting a string's order (ids here are short ASCII)."""
    return tuple(-ord(c) for c in s) + (1,)


# ------------------------------------------------------------- the driver

class Runner:
    def __init__(self, args):
        self.args = args
        self.rnd = random.Random(args.seed)
        self.db = Psql(args.dbname)
        self.m = HoldsModel()
        self.step = 0
        self.last_event_id = 0
        self.order_seq = 0
        self.po_seq = 0
        self.sku_seq = 0
        self.stats = {}
        self.fail_stats = {}
        self.event_stats = {}
        self.unclaimed = []         # ids of events not claimed yet, oldest first
        self.log = []
        now = int(self.db.ok("SELECT " + us("now()"))[0][0])
        self.base = (now // DAY_US - 2) * DAY_US      # midnight, two days ago
        self.db.ok("SET TimeZone = 'UTC'")
        # the clock of the holds: the model's clock is the last tick; holds
        # that are to expire do so at the next one
        self.m.clock = now
        self.next_tick = (now + TICK_US) // 1000000 * 1000000       # whole seconds
        self.long_base = (now + DAY_US) // MIN_US * MIN_US          # holds that never expire in a run
        self.ticks = 0

    # -- reporting
    def die(self, what):
        print("MODEL MISMATCH (seed %d, step %d): %s" % (self.args.seed, self.step, what))
        print("last operations:")
        for l in self.log[-12:]:
            print("  " + l)
        raise Mismatch(what)

    def expect(self, what, model_val, db_val):
        if model_val != db_val:
            self.die("%s: model %r, database %r" % (what, model_val, db_val))

    # -- random pieces
    def pick_sku(self, unknown=0.01):
        if self.rnd.random() < unknown:
            return "NOPE-" + str(self.rnd.randint(1, 3))
        return self.rnd.choice(list(self.m.items))

    def new_order_id(self):
        self.order_seq += 1
        return "O%07d" % self.order_seq

    def rand_ordered_at(self):
        # minute granularity over four days: ties happen (then the row id decides)
        return self.base + self.rnd.randint(0, 4 * 24 * 60 // 7) * 7 * MIN_US

    def rand_expected_at(self):
        return self.base + self.rnd.randint(0, 80) * (DAY_US // 4)

    def any_open_line(self, pred=None):
        skus = [s for s in self.m.open_lines if self.m.open_lines[s]]
        if not skus:
            return None
        for _ in range(6):
            d = self.m.open_lines[self.rnd.choice(skus)]
            cands = [l for l in d.values() if pred is None or pred(l)]
            if cands:
                return self.rnd.choice(cands)
        return None

    def any_line(self):
        if not self.m.lines:
            return None
        # lines are added in order; sample by a random existing order id
        oid = "O%07d" % self.rnd.randint(1, self.order_seq)
        ls = self.m.orders.get(oid)
        if not ls:
            return None
        return self.rnd.choice(ls)

    # -- running one SQL statement of an operation
    def run_op(self, sql, expect_fail):
        """Run the op; compare the outcome class; return rows or None."""
        state, rows, msg = self.db.one(sql)
        self.log.append("%d: %s -> %s %s" % (self.step, sql, state, msg.splitlines()[0] if msg else ""))
        if len(self.log) > 50:
            del self.log[:25]
        if expect_fail is not None:
            if state not in expect_fail.codes:
                self.die("expected failure with SQLSTATE %s, got %s (%s) for: %s"
                         % ("/".join(sorted(expect_fail.codes)), state, msg, sql))
            self.fail_stats[state] = self.fail_stats.get(state, 0) + 1
            return None
        if state != "00000":
            self.die("expected success, got %s (%s) for: %s" % (state, msg, sql))
        return rows

    # -- the operations
    def op_item_insert(self):
        self.sku_seq += 1
        r = self.rnd.random()
        if len(self.m.items) >= 12 and r >= 0.08:
            r = self.rnd.random() * 0.08    # enough items: only the failing kinds
        if r < 0.05 and self.m.items:
            sku = self.rnd.choice(list(self.m.items))        # duplicate
        elif r < 0.08:
            sku = self.rnd.choice(["", "X" * 201])
        else:
            sku = "S%03d" % self.sku_seq
        policy = "deny" if self.rnd.random() < 0.2 else "allow"
        limit = None if self.rnd.random() < 0.6 else self.rnd.randint(-1 if self.rnd.random() < 0.05 else 0, 40)
        lead = self.rnd.randint(0, 30)
        try:
            self.m.item_insert(sku, policy, limit, lead)
            f = None
        except Fail as e:
            f = e
        sql = ("INSERT INTO backorder.items (sku, policy, backorder_limit, lead_time) VALUES (%s, %s, %s, %s) "
               "RETURNING on_hand, reserved, backordered"
               % (lit(sku), lit(policy), "NULL" if limit is None else limit, lit("%d days" % lead)))
        rows = self.run_op(sql, f)
        if rows is not None:
            self.expect("new item engine columns", [["0", "0", "0"]], rows)

    def op_item_update(self):
        sku = self.pick_sku(0)
        field = self.rnd.choice(["policy", "backorder_limit", "backorder_limit", "lead_time"])
        if field == "policy":
            value = "deny" if self.rnd.random() < 0.3 else "allow"
            v = lit(value)
        elif field == "backorder_limit":
            value = None if self.rnd.random() < 0.4 else self.rnd.randint(-1 if self.rnd.random() < 0.05 else 0, 40)
            v = "NULL" if value is None else str(value)
        else:
            value = self.rnd.randint(-1 if self.rnd.random() < 0.05 else 0, 30)
            v = lit("%d days" % value)
        try:
            self.m.item_update(sku, field, value)
            f = None
        except Fail as e:
            f = e
        self.run_op("UPDATE backorder.items SET %s = %s WHERE sku = %s" % (field, v, lit(sku)), f)

    def op_place_order(self):
        r = self.rnd.random()
        if r < 0.03 and self.order_seq > 0:
            oid = "O%07d" % self.rnd.randint(1, self.order_seq)     # an existing order
        else:
            oid = self.new_order_id()
        n = self.rnd.choice([1, 1, 1, 2, 2, 3, 4])
        lines = []
        for i in range(n):
            ln = {"line_no": i + 1}
            if self.rnd.random() < 0.03:
                ln["line_no"] = self.rnd.choice([0, 1, i + 1])  # bad or repeated
            ln["sku"] = self.pick_sku(0.01)
            q = self.rnd.randint(1, 12)
            x = self.rnd.random()
            if x < 0.01:
                q = self.rnd.choice([0, -3])
            elif x < 0.0115:
                q = MAXI
            ln["quantity"] = q
            x = self.rnd.random()
            if x < 0.4:
                ln["priority"] = self.rnd.randint(-2, 3)
            elif x < 0.5:
                ln["priority"] = None
            x = self.rnd.random()
            if x < 0.75:
                ln["ordered_at"] = self.rand_ordered_at()
            elif x < 0.85:
                ln["ordered_at"] = None
            if self.rnd.random() < 0.005:
                del ln[self.rnd.choice(["sku", "quantity"])]
            lines.append(ln)
        cart = None
        if self.rnd.random() < 0.25:
            cart = self.pick_cart()
            held = [h.sku for h in self.m.cart_holds(cart)]
            for ln in lines:
                if held and "sku" in ln and self.rnd.random() < 0.7:
                    ln["sku"] = self.rnd.choice(held)      # check out what the cart holds
        skus = [ln.get("sku") for ln in lines if ln.get("sku") is not None]
        skus += [h.sku for h in self.m.cart_holds(cart)]
        try:
            self.m.guarded(skus, lambda: self.m.place_check(oid, lines, cart), eta_first=True)
            f = None
        except Fail as e:
            f = e
        jl = []
        for ln in lines:
            j = {}
            for k, v in ln.items():
                j[k] = ts_json(v) if k == "ordered_at" and v is not None else v
            jl.append(j)
        sql = ("SELECT line_no, %s, sku, quantity, priority, reserved, backordered, shipped, cancelled, status "
               "FROM backorder.place_order(%s, %s::jsonb%s)" % (us("ordered_at"), lit(oid), lit(json.dumps(jl)),
                                                                  "" if cart is None else ", " + lit(cart)))
        rows = self.run_op(sql, f)
        if rows is None:
            return
        at = {int(r[0]): int(r[1]) for r in rows}
        for ln in lines:
            if ln.get("ordered_at") is not None:
                self.expect("ordered_at of line %d" % ln["line_no"], ln["ordered_at"], at.get(ln["line_no"]))
        self.m.place_apply(oid, lines, at, cart)
        want = sorted([[str(l.line_no), str(l.ordered_at), l.sku, str(l.quantity), str(l.priority),
                        str(l.reserved), str(l.backordered), "0", "0", l.status]
                       for l in self.m.orders[oid] if l.line_no in at])
        self.expect("rows returned by place_order", want, sorted(rows))

    def op_receipt(self):
        sku = self.pick_sku(0.01)
        q = self.rnd.randint(1, 30)
        it = self.m.items.get(sku)
        if it is not None and it.on_hand - it.reserved > 25:
            q = self.rnd.randint(1, 4)      # plenty in stock: keep supply near demand
        po_id = None
        x = self.rnd.random()
        pos = self.m.pos_by_sku.get(sku, {})
        if x < 0.55 and pos:
            opn = [p for p in pos.values() if p.status == "open"]
            if opn and self.rnd.random() < 0.85:
                p = self.rnd.choice(opn)
                if self.rnd.random() < 0.5:
                    q = max(1, p.quantity - p.received)     # complete it
            else:
                p = self.rnd.choice(list(pos.values()))
            po_id = p.po_id
        elif x < 0.57:
            po_id = "PO-NONE"
        x = self.rnd.random()
        if x < 0.005:
            q = self.rnd.choice([0, -1])
        elif x < 0.01 and sku in self.m.items:
            q = MAXI - self.m.items[sku].on_hand + self.rnd.randint(1, 5)
        try:
            want = self.m.guarded([sku], lambda: self.m.receipt(sku, q, po_id))
            f = None
        except Fail as e:
            f = e
            want = None
        sql = ("INSERT INTO backorder.receipts (sku, quantity, purchase_order_id, reference) "
               "VALUES (%s, %s, %s, %s) RETURNING allocated, on_hand_after"
               % (lit(sku), q, lit(po_id), lit("ref-%d" % self.step)))
        rows = self.run_op(sql, f)
        if rows is not None:
            self.expect("receipt engine columns", [[str(want["allocated"]), str(want["on_hand_after"])]], rows)
            if po_id is not None:
                self.check_po(po_id, sku)

    def op_shipment(self):
        line = self.any_open_line(lambda l: l.reserved > 0)
        x = self.rnd.random()
        if line is None or x < 0.03:
            line = self.any_line()
            key = line.key if line else ("O-NONE", 1)
            q = self.rnd.randint(1, 5)
        else:
            key = line.key
            q = line.reserved if self.rnd.random() < 0.75 else self.rnd.randint(1, line.reserved)
            if x < 0.08:
                q = line.reserved + self.rnd.randint(1, 3)
            elif x < 0.09:
                q = 0
        if self.rnd.random() < 0.01:
            key = (key[0], 99)
        try:
            want = self.m.guarded(self.line_skus([key]), lambda: self.m.shipment(key, q))
            f = None
        except Fail as e:
            f = e
        sql = ("INSERT INTO backorder.shipments (order_id, line_no, quantity) VALUES (%s, %d, %d) "
               "RETURNING on_hand_after" % (lit(key[0]), key[1], q))
        rows = self.run_op(sql, f)
        if rows is not None:
            self.expect("shipment on_hand_after", [[str(want["on_hand_after"])]], rows)

    def op_cancellation(self):
        line = None
        if self.rnd.random() < 0.3:
            # now and then free a SKU blocked by a huge waiting line
            line = self.any_open_line(lambda l: l.backordered > 10 ** 12)
        if line is None:
            line = self.any_open_line()
        x = self.rnd.random()
        if line is None or x < 0.05:
            line = self.any_line()
            key = line.key if line else ("O-NONE", 1)
            q = None if self.rnd.random() < 0.5 else self.rnd.randint(1, 4)
        else:
            key = line.key
            if x < 0.4:
                q = None
            elif x < 0.45:
                q = line.open + self.rnd.randint(1, 3)
            elif x < 0.46:
                q = 0
            else:
                q = self.rnd.randint(1, line.open)
        try:
            want = self.m.guarded(self.line_skus([key]), lambda: self.m.cancellation(key, q))
            f = None
        except Fail as e:
            f = e
        sql = ("INSERT INTO backorder.cancellations (order_id, line_no, quantity, reason) "
               "VALUES (%s, %d, %s, 'model') RETURNING quantity, waiting_cancelled, reserved_cancelled"
               % (lit(key[0]), key[1], "NULL" if q is None else q))
        rows = self.run_op(sql, f)
        if rows is not None:
            self.expect("cancellation engine columns",
                        [[str(want["quantity"]), str(want["waiting_cancelled"]), str(want["reserved_cancelled"])]],
                        rows)

    def op_cancel_order(self):
        if self.rnd.random() < 0.05 or self.order_seq == 0:
            oid = "O-UNKNOWN"
        else:
            line = self.any_open_line() if self.rnd.random() < 0.8 else self.any_line()
            oid = line.order_id if line else "O-UNKNOWN"
        try:
            # cancel_order locks the item of every line of the order (the
            # lines' open units are read once it holds them), so the due
            # holds of all those skus expire first
            keys = [l.key for l in self.m.orders.get(oid, [])]
            want = self.m.guarded(self.line_skus(keys), lambda: self.m.cancel_order(oid))
            f = None
        except Fail as e:
            f = e
        rows = self.run_op("SELECT backorder.cancel_order(%s, 'model')" % lit(oid), f)
        if rows is not None:
            self.expect("cancel_order result", [[str(want)]], rows)

    def op_adjustment(self):
        sku = self.pick_sku(0.01)
        it = self.m.items.get(sku)
        x = self.rnd.random()
        if x < 0.5:
            d = self.rnd.randint(1, 15 if it is None or it.on_hand - it.reserved < 25 else 3)
        elif it is not None and it.on_hand > 0 and x < 0.95:
            d = -self.rnd.randint(1, min(it.on_hand, 12))
        else:
            d = -self.rnd.randint(1, 3) - (it.on_hand if it else 0)
        if self.rnd.random() < 0.005:
            d = 0
        elif self.rnd.random() < 0.005 and it is not None:
            d = MAXI - it.on_hand + 1
        try:
            want = self.m.guarded([sku], lambda: self.m.adjustment(sku, d))
            f = None
        except Fail as e:
            f = e
        sql = ("INSERT INTO backorder.adjustments (sku, delta, reason) VALUES (%s, %d, 'count') "
               "RETURNING allocated, taken_back, on_hand_after" % (lit(sku), d))
        rows = self.run_op(sql, f)
        if rows is not None:
            self.expect("adjustment engine columns",
                        [[str(want["allocated"]), str(want["taken_back"]), str(want["on_hand_after"])]], rows)

    def op_priority(self):
        line = self.any_open_line(lambda l: l.backordered > 0) if self.rnd.random() < 0.8 else self.any_line()
        if line is None:
            return
        p = self.rnd.randint(-2, 4)
        if self.rnd.random() < 0.3:
            # every line of the order in one statement
            ls = self.m.orders[line.order_id]
            want = self.m.priority_update([l.key for l in sorted(ls, key=lambda l: l.line_no)], p)
            sql = "UPDATE backorder.order_lines SET priority = %d WHERE order_id = %s" % (p, lit(line.order_id))
        else:
            want = self.m.priority_update([line.key], p)
            sql = ("UPDATE backorder.order_lines SET priority = %d WHERE order_id = %s AND line_no = %d"
                   % (p, lit(line.order_id), line.line_no))
        rows = self.run_op(sql + " RETURNING 1", None)
        self.expect("rows updated", want, len(rows))

    def op_po_insert(self):
        sku = self.pick_sku(0.01)
        if self.rnd.random() < 0.04 and self.m.pos:
            po_id, sku = self.rnd.choice(list(self.m.pos))          # duplicate
        elif self.rnd.random() < 0.3 and self.po_seq > 0:
            po_id = "PO%05d" % self.rnd.randint(1, self.po_seq)     # another sku on an existing PO
        else:
            self.po_seq += 1
            po_id = "PO%05d" % self.po_seq
        q = self.rnd.randint(1, 30)
        if self.rnd.random() < 0.01:
            q = 0
        exp = self.rand_expected_at()
        try:
            self.m.po_insert(po_id, sku, q, exp)
            f = None
        except Fail as e:
            f = e
        sql = ("INSERT INTO backorder.purchase_orders (purchase_order_id, sku, quantity, expected_at) "
               "VALUES (%s, %s, %d, %s) RETURNING received, status" % (lit(po_id), lit(sku), q, ts_lit(exp)))
        rows = self.run_op(sql, f)
        if rows is not None:
            self.expect("new purchase order", [["0", "open"]], rows)

    def op_po_update(self):
        if not self.m.pos:
            return
        po = self.rnd.choice(list(self.m.pos.values()))
        x = self.rnd.random()
        if x < 0.4:
            field = "quantity"
            value = self.rnd.randint(1, 35)
            if self.rnd.random() < 0.03:
                value = 0
            elif self.rnd.random() < 0.3:
                value = max(1, po.received + self.rnd.randint(-2, 2))
            v = str(value)
        elif x < 0.75:
            field = "expected_at"
            value = self.rand_expected_at()
            v = ts_lit(value)
        else:
            field = "status"
            value = "cancelled" if self.rnd.random() < 0.8 else self.rnd.choice(["open", "closed"])
            v = lit(value)
        try:
            self.m.po_update(po.po_id, po.sku, field, value)
            f = None
        except Fail as e:
            f = e
        sql = ("UPDATE backorder.purchase_orders SET %s = %s WHERE purchase_order_id = %s AND sku = %s"
               % (field, v, lit(po.po_id), lit(po.sku)))
        self.run_op(sql, f)
        self.check_po(po.po_id, po.sku)

    def line_skus(self, keys):
        return [self.m.lines[k].sku for k in keys if k in self.m.lines]

    # -- cart holds (1.1)
    def pick_cart(self):
        active = sorted(set(h.hold_id for h in self.m.holds.values() if h.status == "active"))
        if active and self.rnd.random() < 0.8:
            return self.rnd.choice(active)
        return "C%02d" % self.rnd.randint(1, 30)

    def rand_expires_at(self):
        x = self.rnd.random()
        if x < 0.5:
            return self.next_tick                   # expires at the next tick of the clock
        if x < 0.97:
            return self.long_base + self.rnd.randint(0, 600) * MIN_US
        return self.base                            # in the past

    def op_hold_insert(self):
        x = self.rnd.random()
        if x < 0.35 and self.m.holds:
            h = self.rnd.choice(list(self.m.holds.values()))      # again: duplicate or replacing
            cart, sku = h.hold_id, h.sku
        else:
            cart, sku = self.pick_cart(), self.pick_sku(0.01)
        q = self.rnd.randint(1, 6)
        if self.rnd.random() < 0.01:
            q = self.rnd.choice([0, -2])
        if self.rnd.random() < 0.005:
            cart = self.rnd.choice(["", "X" * 201])
        exp = self.rand_expires_at()
        try:
            want = self.m.guarded([sku], lambda: self.m.hold_insert(cart, sku, q, exp))
            f = None
        except Fail as e:
            f = e
        sql = ("INSERT INTO backorder.holds (hold_id, sku, quantity, expires_at) VALUES (%s, %s, %d, %s) "
               "RETURNING held, status" % (lit(cart), lit(sku), q, ts_lit(exp)))
        rows = self.run_op(sql, f)
        if rows is not None:
            self.expect("hold insert engine columns", [[str(want.held), want.status]], rows)

    def op_hold_update(self):
        if not self.m.holds:
            return
        h = self.rnd.choice(list(self.m.holds.values()))
        if self.rnd.random() < 0.6:
            act = [x for x in self.m.holds.values() if x.status == "active"]
            if act:
                h = self.rnd.choice(act)
        if self.rnd.random() < 0.6:
            field = "quantity"
            value = self.rnd.randint(1, 8) if self.rnd.random() > 0.01 else 0
            v = str(value)
        else:
            field = "expires_at"
            value = self.rand_expires_at()
            v = ts_lit(value)
        try:
            self.m.guarded([h.sku] if h.status == "active" and not self.m.due(h) else [],
                           lambda: self.m.hold_update(h.hold_id, h.sku, field, value))
            f = None
        except Fail as e:
            f = e
        self.run_op("UPDATE backorder.holds SET %s = %s WHERE hold_id = %s AND sku = %s"
                    % (field, v, lit(h.hold_id), lit(h.sku)), f)

    def op_release(self):
        cart = self.pick_cart()
        want = self.m.guarded([h.sku for h in self.m.cart_holds(cart)], lambda: self.m.release(cart))
        rows = self.run_op("SELECT backorder.release_hold(%s)" % lit(cart), None)
        self.expect("release_hold(%s)" % cart, [[str(want)]], rows)

    def op_expire_holds(self):
        skus = sorted(set(h.sku for h in self.m.holds.values() if self.m.due(h)))
        undo, moved, want = self.m.expire_due(skus)
        for sku in moved:
            self.m.eta(sku)
        rows = self.run_op("SELECT backorder.expire_holds()", None)
        self.expect("expire_holds()", [[str(want)]], rows)

    def tick_if_due(self):
        """Move the clock: never start an operation within TICK_MARGIN_US of
        the next tick; wait until it has passed instead."""
        now = int(time.time() * 1000000)
        if now < self.next_tick - TICK_MARGIN_US:
            return
        while int(time.time() * 1000000) <= self.next_tick + 20000:
            time.sleep(0.02)
        # the database's clock has passed the tick too
        while int(self.db.ok("SELECT " + us("now()"))[0][0]) <= self.next_tick:
            time.sleep(0.02)
        self.m.clock = self.next_tick
        self.next_tick = (int(time.time() * 1000000) + TICK_US) // 1000000 * 1000000
        self.ticks += 1

    def op_claim(self):
        """claim_events(n): the n oldest unclaimed events, marked claimed."""
        n = self.rnd.randint(1, 40)
        if self.rnd.random() < 0.03:
            self.run_op("SELECT id FROM backorder.claim_events(%d)" % self.rnd.choice([0, -1]), Fail(["22023"]))
            return
        rows = self.run_op("SELECT id FROM backorder.claim_events(%d)" % n, None)
        want = self.unclaimed[:n]
        del self.unclaimed[:n]
        self.expect("claim_events(%d) ids" % n, want, [int(r[0]) for r in rows])

    OPS = [
        ("place_order", 28), ("receipt", 12), ("shipment", 14), ("cancellation", 8),
        ("cancel_order", 3), ("adjustment", 10), ("priority", 5), ("po_insert", 7),
        ("po_update", 6), ("item_update", 2.5), ("item_insert", 0.5), ("claim", 2),
        ("hold_insert", 9), ("hold_update", 4), ("release", 1.5), ("expire_holds", 1),
    ]

    # -- comparisons
    def check_po(self, po_id, sku):
        po = self.m.pos.get((po_id, sku))
        rows = self.db.ok("SELECT quantity, received, status, %s FROM backorder.purchase_orders "
                          "WHERE purchase_order_id = %s AND sku = %s" % (us("expected_at"), lit(po_id), lit(sku)))
        want = [] if po is None else [[str(po.quantity), str(po.received), po.status, str(po.expected_at)]]
        self.expect("purchase order %s/%s" % (po_id, sku), want, rows)

    @staticmethod
    def line_cols(l):
        return [l.order_id, str(l.line_no), l.sku, str(l.quantity), str(l.priority), str(l.ordered_at),
                str(l.reserved), str(l.backordered), str(l.shipped), str(l.cancelled), l.status]

    LINE_COLS = ("order_id, line_no, sku, quantity, priority, " + us("ordered_at") +
                 ", reserved, backordered, shipped, cancelled, status")
    LINE_SQL = "SELECT " + LINE_COLS + " FROM backorder.order_lines"
    LINE_MD5 = ("SELECT coalesce(md5(string_agg(concat_ws('|', " + LINE_COLS + "), E'\\n' "
                "ORDER BY order_id COLLATE \"C\", line_no)), 'NULL') FROM backorder.order_lines")
    ROW_COLS = ("order_id, line_no, quantity, filled, cancelled, status, filled_at IS NOT NULL, "
                "CASE WHEN status = 'waiting' THEN coalesce(" + us("expected_at") + "::text, 'NULL') "
                "ELSE '-' END, CASE WHEN status = 'waiting' THEN priority::text ELSE '-' END")
    ROW_SQL = "SELECT " + ROW_COLS + " FROM backorder.backorders ORDER BY order_id COLLATE \"C\", line_no, id"
    ROW_MD5 = ("SELECT coalesce(md5(string_agg(concat_ws('|', " + ROW_COLS + "), E'\\n' "
               "ORDER BY order_id COLLATE \"C\", line_no, id)), 'NULL') FROM backorder.backorders")

    @staticmethod
    def md5_rows(rows):
        if not rows:
            return "NULL"
        return hashlib.md5("\n".join("|".join(r) for r in rows).encode()).hexdigest()

    def compare_md5(self, what, got_md5, want, rows_sql):
        """Compare a digest; on a difference fetch the rows and show them."""
        if self.md5_rows(want) == got_md5:
            return
        state, rows, msg = self.db.one(rows_sql)
        if state != "00000":
            self.die("comparison query failed: %s %s" % (state, msg))
        rows = [[c for c in r] for r in rows]
        self.diff_rows(what, want, rows)
        self.die("%s: digests differ, rows equal (formatting?)" % what)

    def compare_step(self):
        m = self.m
        changed = sorted(m.changed)
        if changed:
            keys = ",".join("(%s,%d)" % (lit(k[0]), k[1]) for k in changed)
            cond = "reserved + backordered > 0 OR (order_id, line_no) IN (%s)" % keys
        else:
            cond = "reserved + backordered > 0"
        res = self.db.many([
            "SELECT sku, policy, coalesce(backorder_limit::text, 'NULL'), on_hand, reserved, backordered, held "
            "FROM backorder.items ORDER BY sku",
            self.LINE_MD5 + " WHERE " + cond,
            "SELECT w.sku, w.order_id, w.line_no, w.waiting, w.priority, w.queue_position, w.units_ahead, "
            "w.eta_source, b.quantity, b.filled, b.cancelled, b.priority, b.status, "
            + us("b.expected_at") + " FROM backorder.waiting_orders w "
            "JOIN backorder.backorders b ON b.id = w.backorder_id ORDER BY w.sku, w.queue_position",
            "SELECT id, kind, order_id, line_no, sku, quantity, " + us("expected_at") +
            ", detail->>'remaining', " + us("(detail->>'old')::timestamptz") + ", " +
            us("(detail->>'new')::timestamptz") + ", detail ? 'old', detail ? 'new' "
            "FROM backorder.events WHERE id > %d ORDER BY id" % self.last_event_id,
            "SELECT hold_id, sku, quantity, " + us("expires_at") + ", held, status FROM backorder.holds "
            "ORDER BY hold_id COLLATE \"C\", sku COLLATE \"C\"",
        ])
        for state, _, msg in res:
            if state != "00000":
                self.die("comparison query failed: %s %s" % (state, msg))
        items, lines, queue, events, holds = (r[1] for r in res)
        want = [[h.hold_id, h.sku, str(h.quantity), str(h.expires_at), str(h.held), h.status]
                for h in sorted(m.holds.values(), key=lambda h: (h.hold_id, h.sku))]
        if want != holds:
            self.diff_rows("holds (hold_id, sku, quantity, expires_at, held, status)", want, holds)

        want = [[it.sku, it.policy, "NULL" if it.limit is None else str(it.limit), str(it.on_hand),
                 str(it.reserved), str(it.backordered), str(it.held)]
                for it in sorted(m.items.values(), key=lambda i: i.sku)]
        self.expect("items (sku, policy, limit, on_hand, reserved, backordered, held)", want, items)

        wl = {}
        for ol in m.open_lines.values():
            for k, l in ol.items():
                wl[k] = l
        for k in changed:
            wl[k] = m.lines[k]
        want = [self.line_cols(wl[k]) for k in sorted(wl)]
        self.compare_md5("order lines (open or changed)", lines[0][0], want,
                         self.LINE_SQL + " WHERE " + cond + " ORDER BY order_id COLLATE \"C\", line_no")

        want = []
        for sku in sorted(m.items):
            ahead = 0
            for pos, r in enumerate(m.fill_queue(sku), 1):
                want.append([sku, r.line.order_id, str(r.line.line_no), str(r.waiting), str(r.line.priority),
                             str(pos), str(ahead), "lead_time" if r.expected_at is None else "purchase_order",
                             str(r.quantity), str(r.filled), str(r.cancelled), str(r.line.priority), "waiting",
                             "NULL" if r.expected_at is None else str(r.expected_at)])
                ahead += r.waiting
        if want != queue:
            self.diff_rows("waiting queue (sku, order, line, waiting, priority, position, units_ahead, "
                           "eta_source, quantity, filled, cancelled, row priority, status, expected_at)",
                           want, queue)

        for e in m.events:
            self.event_stats[e["kind"]] = self.event_stats.get(e["kind"], 0) + 1
        got = []
        for e in events:
            self.last_event_id = max(self.last_event_id, int(e[0]))
            self.unclaimed.append(int(e[0]))
            got.append(e[1:])
        want = []
        for e in m.events:
            n = lambda v: "NULL" if v is None else str(v)
            if e["kind"] == "eta_changed":
                det = ["NULL", n(e["old"]), n(e["new"]), "t", "t"]
            elif e["kind"] == "allocated":
                det = [str(e["remaining"]), "NULL", "NULL", "f", "f"]
            else:
                det = ["NULL", "NULL", "NULL", "NULL", "NULL"]
            want.append([e["kind"], e["order_id"], str(e["line_no"]), e["sku"], str(e["quantity"]),
                         n(e["expected_at"])] + det)
        # the contract orders events within a SKU; across SKUs (a multi-SKU
        # statement) the interleaving is the engine's business
        want.sort(key=lambda e: e[3])
        got.sort(key=lambda e: e[3])
        if want != got:
            self.diff_rows("events (kind, order, line, sku, quantity, expected_at, remaining, old, new, "
                           "has old, has new)", want, got)

    def diff_rows(self, what, want, got):
        ws = set(map(tuple, want))
        gs = set(map(tuple, got))
        lines = ["%s differ" % what]
        for r in want:
            if tuple(r) not in gs:
                lines.append("  model only:    " + " | ".join(r))
        for r in got:
            if tuple(r) not in ws:
                lines.append("  database only: " + " | ".join(r))
        if len(lines) == 1:
            lines.append("  same rows, different order")
            lines.append("  model:    " + "; ".join(" ".join(r[:4]) for r in want[:20]))
            lines.append("  database: " + "; ".join(" ".join(r[:4]) for r in got[:20]))
        self.die("\n".join(lines[:60]))

    def compare_full(self):
        m = self.m
        res = self.db.many([
            self.LINE_MD5,
            self.ROW_MD5,
            "SELECT purchase_order_id, sku, quantity, received, status, " + us("expected_at") +
            " FROM backorder.purchase_orders ORDER BY purchase_order_id, sku",
            "SELECT sku, on_hand, reserved, available, backordered, incoming, projected, "
            + us("next_expected_at") + ", held FROM backorder.stock_levels ORDER BY sku",
            "SELECT sku, problem FROM backorder.check()",
        ])
        for state, _, msg in res:
            if state != "00000":
                self.die("full comparison query failed: %s %s" % (state, msg))
        lines, rows, pos, stock, check = (r[1] for r in res)
        want = [self.line_cols(m.lines[k]) for k in sorted(m.lines)]
        self.compare_md5("all order lines", lines[0][0], want,
                         self.LINE_SQL + " ORDER BY order_id COLLATE \"C\", line_no")
        # every backorder row, per line in id order; expected_at and priority
        # only while waiting (what a finished row keeps is not specified)
        want = []
        for k in sorted(m.lines):
            l = m.lines[k]
            for r in l.rows:
                w = r.status == "waiting"
                want.append([l.order_id, str(l.line_no), str(r.quantity), str(r.filled), str(r.cancelled),
                             r.status, "t" if r.status == "filled" else "f",
                             ("NULL" if r.expected_at is None else str(r.expected_at)) if w else "-",
                             str(l.priority) if w else "-"])
        self.compare_md5("all backorder rows (order, line, quantity, filled, cancelled, status, has "
                         "filled_at, expected_at, priority)", rows[0][0], want, self.ROW_SQL)
        want = [[p.po_id, p.sku, str(p.quantity), str(p.received), p.status, str(p.expected_at)]
                for p in sorted(m.pos.values(), key=lambda p: (p.po_id, p.sku))]
        if want != pos:
            self.diff_rows("purchase orders", want, pos)
        want = []
        for sku in sorted(m.items):
            it = m.items[sku]
            inc = sum(p.incoming for p in m.pos_by_sku[sku].values())
            nxt = min((p.expected_at for p in m.pos_by_sku[sku].values() if p.incoming > 0), default=None)
            avail = it.available
            want.append([sku, str(it.on_hand), str(it.reserved), str(avail), str(it.backordered), str(inc),
                         str(avail + inc - it.backordered), "NULL" if nxt is None else str(nxt),
                         str(it.held)])
        if want != stock:
            self.diff_rows("stock_levels", want, stock)
        if check:
            self.die("backorder.check() reports: %r" % check[:10])

    # -- main loop
    def run(self):
        t0 = time.time()
        # a few items to start with, then random operations
        for i in range(5):
            self.step += 1
            self.m.begin()
            self.op_item_insert_fixed(i)
            self.m.end()
        names = [n for n, _ in self.OPS]
        weights = [w for _, w in self.OPS]
        for _ in range(self.args.ops):
            self.step += 1
            name = self.rnd.choices(names, weights)[0]
            # keep a long run balanced: ship or cancel more while many lines
            # are open (demand outruns closing otherwise)
            if name == "place_order" and self.rnd.random() < 0.5 and \
                    sum(len(d) for d in self.m.open_lines.values()) > 300:
                name = "shipment"
            self.stats[name] = self.stats.get(name, 0) + 1
            self.tick_if_due()
            self.m.begin()
            getattr(self, "op_" + name)()
            self.compare_step()
            self.m.end()
            if self.step % self.args.full_every == 0:
                self.compare_full()
            if self.args.verbose and self.step % 1000 == 0:
                print("  step %d, %.1fs, %d lines, %d waiting rows" % (
                    self.step, time.time() - t0, len(self.m.lines),
                    sum(len(q) for q in self.m.queue.values())), flush=True)
        self.compare_full()
        dt = time.time() - t0
        print("model: seed %d: %d operations agreed in %.1fs (%d statements); %d lines, %d backorder rows, "
              "%d waiting; failures checked: %s" % (
                  self.args.seed, self.args.ops, dt, self.db.statements, len(self.m.lines),
                  self.m.next_row_id - 1, sum(len(q) for q in self.m.queue.values()),
                  ", ".join("%s x%d" % kv for kv in sorted(self.fail_stats.items())) or "none"))
        if self.args.verbose:
            print("  operations: " + ", ".join("%s %d" % kv for kv in sorted(self.stats.items())))
            print("  events: " + ", ".join("%s %d" % kv for kv in sorted(self.event_stats.items())))
            print("  holds: %d ticks of the clock; %s" % (self.ticks, ", ".join(
                "%s %d" % (st, sum(1 for h in self.m.holds.values() if h.status == st))
                for st in ("active", "released", "expired", "converted"))))

    def op_item_insert_fixed(self, i):
        self.sku_seq += 1
        sku = "S%03d" % self.sku_seq
        policy = "deny" if i == 4 else "allow"
        limit = [None, None, 25, None, None][i]
        lead = [14, 7, 3, 0, 21][i]
        self.m.item_insert(sku, policy, limit, lead)
        self.run_op("INSERT INTO backorder.items (sku, policy, backorder_limit, lead_time) VALUES (%s, %s, %s, %s)"
                    % (lit(sku), lit(policy), "NULL" if limit is None else limit, lit("%d days" % lead)), None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dbname", default=os.environ.get("PGDATABASE", "postgres"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", type=int, default=int(os.environ.get("MODEL_OPS", "2000")))
    ap.add_argument("--full-every", type=int, default=500)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    r = Runner(args)
    try:
        r.run()
    except Mismatch:
        return 1
    finally:
        r.db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
