// Tests log at warn level unless asked otherwise, so failures are not buried in request logs.
process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'warn';
