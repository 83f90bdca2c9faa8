// A module that keeps its worker alive but never calls serveStage (as a browser worker would wait): the trainer times out.
setInterval(() => undefined, 1000);
