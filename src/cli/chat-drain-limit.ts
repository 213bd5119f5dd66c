/**
 * Chat messages one `tossup sync` or `tossup sweep` sends at most after its run, so a large backlog
 * (after a long chat outage) does not hold the command; the rest stay pending for the next run.
 */
export const CHAT_DRAIN_LIMIT = 500;
