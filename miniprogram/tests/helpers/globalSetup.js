module.exports = async () => { require('./npm').buildNpm(); };
