module.exports = require('../../jest.preset')(__dirname, 'queue-kit');
