// A module that loads in a worker but never calls serveStage (the parallel trainer must say so, not hang).
export const nothing = 0;
