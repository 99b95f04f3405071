// The no-op job of the BullMQ peers, as a file BullMQ can run in a worker thread or child process.
module.exports = async () => null;
