module.exports = require('../../jest.preset')(__dirname, 'auth-middleware');
