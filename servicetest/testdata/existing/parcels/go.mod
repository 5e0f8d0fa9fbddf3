module github.com/depotline/parcels

go 1.22
