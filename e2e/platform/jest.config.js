module.exports = require('../../jest.preset')(__dirname, 'platform-e2e');
